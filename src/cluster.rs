//! Cluster mode: one query on several processes with timely's own TCP communication.
//! This module owns the host file, the connections between processes (made here rather
//! than by timely so that nothing is printed to stdout, a peer that never comes is named,
//! and processes running different queries refuse each other), and `ClusterHealth`,
//! which turns a dropped connection into an error that names the process.

use sluice_core::{Result, SluiceError};
use std::any::Any;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use timely::communication::allocator::zero_copy::initialize::{
    initialize_networking_from_sockets, CommsGuard,
};
use timely::communication::allocator::zero_copy::stream::Stream;
use timely::communication::allocator::ProcessBuilder;
use timely::communication::{AllocatorBuilder, Hooks};

/// How long a process waits for the others to connect before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a process that lost a peer keeps its other connections open: every process
/// sees a dead peer's connections drop at once, but if this one closed its own right away
/// a slower process might see this one go first and name the wrong process.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// Identifies Sluice's handshake (so a stray connection is refused, not misread).
const MAGIC: u64 = 0x736c_7569_6365_0001;

/// Where this process sits in a cluster: every process's `host:port`, in process order,
/// and this process's index among them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// `host:port` of each process; process `i` listens on `addresses[i]`.
    pub addresses: Vec<String>,
    /// This process's index (0 runs the driver).
    pub process: usize,
}

impl Cluster {
    /// Checks that `process` names one of `addresses`.
    pub fn new(addresses: Vec<String>, process: usize) -> Result<Cluster> {
        if addresses.is_empty() {
            return Err(SluiceError::option("cluster", "the host list is empty"));
        }
        if process >= addresses.len() {
            return Err(SluiceError::option(
                "process",
                format!(
                    "process index {process} is out of range: the host list has {} processes (0..{})",
                    addresses.len(),
                    addresses.len() - 1
                ),
            ));
        }
        Ok(Cluster { addresses, process })
    }

    /// Number of processes.
    pub fn processes(&self) -> usize {
        self.addresses.len()
    }
}

/// Reads a host file: one `host:port` per line in process order; blank lines and lines
/// starting with `#` are skipped. Errors name the file and line.
pub fn read_hostfile(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| SluiceError::io(path, e))?;
    parse_hostfile(&text)
        .map_err(|(line, msg)| SluiceError::option("hostfile", format!("{}:{line}: {msg}", path.display())))
}

fn parse_hostfile(text: &str) -> std::result::Result<Vec<String>, (usize, String)> {
    let mut hosts = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| (i + 1, format!("expected host:port, got '{line}' ({why})"));
        let (host, port) = line.rsplit_once(':').ok_or_else(|| bad("no port"))?;
        if host.is_empty() {
            return Err(bad("no host"));
        }
        port.parse::<u16>().map_err(|_| bad("the port is not a number in 0..65535"))?;
        if hosts.iter().any(|h| h == line) {
            return Err((i + 1, format!("'{line}' is listed twice")));
        }
        hosts.push(line.to_string());
    }
    if hosts.is_empty() {
        return Err((1, "no hosts listed".to_string()));
    }
    Ok(hosts)
}

/// What each process tells the others when it connects: they must agree on all of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hello {
    pub process: u64,
    pub threads: u64,
    /// The how-many-th cluster execution of the session this is.
    pub execution: u64,
    /// A fingerprint of the query (its result schema and sources).
    pub fingerprint: u64,
}

impl Hello {
    fn write(&self, s: &mut TcpStream) -> io::Result<()> {
        let mut buf = Vec::with_capacity(40);
        for v in [MAGIC, self.process, self.threads, self.execution, self.fingerprint] {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        s.write_all(&buf)
    }

    fn read(s: &mut TcpStream) -> io::Result<Hello> {
        let mut buf = [0u8; 40];
        s.read_exact(&mut buf)?;
        let word = |i: usize| u64::from_le_bytes(buf[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        if word(0) != MAGIC {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "not a Sluice process"));
        }
        Ok(Hello { process: word(1), threads: word(2), execution: word(3), fingerprint: word(4) })
    }

    /// Why `theirs` cannot run with `self`, if it cannot.
    fn mismatch(&self, theirs: &Hello) -> Option<String> {
        if theirs.threads != self.threads {
            Some(format!(
                "it runs {} worker threads, this process {} (use the same -w)",
                theirs.threads, self.threads
            ))
        } else if theirs.execution != self.execution || theirs.fingerprint != self.fingerprint {
            Some("it runs a different query (every process must run the same script)".to_string())
        } else {
            None
        }
    }
}

/// FNV-1a: a hash that is the same in every process (std's hasher is not promised to be).
pub(crate) fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

/// The state of a cluster's connections as seen by this process.
pub(crate) struct ClusterHealth {
    addresses: Vec<String>,
    /// The first peer whose connection broke, how, and when.
    lost: Mutex<Option<(usize, String, Instant)>>,
    /// Set once this process gives up on the computation: then closing every connection
    /// is what lets the communication threads (and the other processes) finish.
    failed: AtomicBool,
    sockets: Mutex<Vec<TcpStream>>,
}

impl ClusterHealth {
    fn new(addresses: Vec<String>) -> Self {
        ClusterHealth {
            addresses,
            lost: Mutex::new(None),
            failed: AtomicBool::new(false),
            sockets: Mutex::new(Vec::new()),
        }
    }

    fn record(&self, peer: usize, how: String) {
        let mut lost = self.lost.lock().unwrap_or_else(|p| p.into_inner());
        lost.get_or_insert((peer, how, Instant::now()));
    }

    /// The error naming the first process whose connection broke, if one did.
    pub fn lost(&self) -> Option<SluiceError> {
        let lost = self.lost.lock().unwrap_or_else(|p| p.into_inner());
        lost.as_ref().map(|(p, how, _)| {
            SluiceError::exec(format!("process {p} ({}) disconnected: {how}", self.addresses[*p]))
        })
    }

    /// Marks the computation as failed in this process (see `failed`).
    pub fn fail(&self) {
        self.failed.store(true, Ordering::SeqCst);
    }

    fn close_all(&self) {
        let since = self.lost.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|(_, _, at)| *at);
        if let Some(at) = since {
            std::thread::sleep(CLOSE_GRACE.saturating_sub(at.elapsed()));
        }
        for s in self.sockets.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// A connection to one peer that reports a read or write failure (the peer died or the
/// network broke) to `ClusterHealth` before timely's communication thread panics on it.
struct PeerStream {
    stream: TcpStream,
    peer: usize,
    health: Arc<ClusterHealth>,
}

impl Read for PeerStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.stream.read(buf) {
            // A clean shutdown also ends in EOF, but only after every worker finished, when
            // nobody asks `lost()` any more.
            Ok(0) if !buf.is_empty() => {
                self.health.record(self.peer, "connection closed".into());
                Ok(0)
            }
            Err(e) => {
                self.health.record(self.peer, e.to_string());
                Err(e)
            }
            ok => ok,
        }
    }
}

impl Write for PeerStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf).inspect_err(|e| self.health.record(self.peer, e.to_string()))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush().inspect_err(|e| self.health.record(self.peer, e.to_string()))
    }
}

impl Stream for PeerStream {
    fn try_clone(&self) -> io::Result<Self> {
        Ok(PeerStream { stream: self.stream.try_clone()?, peer: self.peer, health: self.health.clone() })
    }

    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.stream.set_nonblocking(nonblocking)
    }

    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.stream.shutdown(how)
    }
}

/// Timely's communication threads, joined on drop. After a failure their joins would
/// panic (the threads panic on a broken connection) or wait for peers that are gone, so
/// then every connection is closed first and the join's panic is contained.
struct Comms {
    guard: Option<CommsGuard>,
    health: Arc<ClusterHealth>,
}

impl Drop for Comms {
    fn drop(&mut self) {
        if self.health.failed.load(Ordering::SeqCst) {
            self.health.close_all();
        }
        if let Some(guard) = self.guard.take() {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(guard)));
        }
    }
}

/// Timely allocators for `threads` workers of this process, connected to every other
/// process of `cluster`, plus what must live as long as the workers.
pub(crate) type Allocators = (Vec<AllocatorBuilder>, Box<dyn Any + Send>, Arc<ClusterHealth>);

/// Connects to every other process (each connects to those before it and accepts those
/// after it, as timely does) and builds the allocators on those connections.
pub(crate) fn connect(cluster: &Cluster, threads: usize, hello: Hello) -> Result<Allocators> {
    let health = Arc::new(ClusterHealth::new(cluster.addresses.clone()));
    let streams = open_connections(cluster, hello)?;
    let mut sockets = Vec::with_capacity(streams.len());
    for (peer, s) in streams.into_iter().enumerate() {
        sockets.push(match s {
            Some(stream) => {
                stream.set_read_timeout(None).map_err(|e| net_error(cluster, peer, e))?;
                let kept = stream.try_clone().map_err(|e| net_error(cluster, peer, e))?;
                health.sockets.lock().unwrap_or_else(|p| p.into_inner()).push(kept);
                Some(PeerStream { stream, peer, health: health.clone() })
            }
            None => None,
        });
    }
    let hooks = Hooks::default();
    let process = ProcessBuilder::new_typed_vector(threads, hooks.refill.clone(), hooks.spill.clone());
    let (builders, guard) =
        initialize_networking_from_sockets(process, sockets, cluster.process, threads, hooks)
            .map_err(|e| SluiceError::exec(format!("cannot start cluster communication: {e}")))?;
    let comms = Comms { guard: Some(guard), health: health.clone() };
    Ok((builders.into_iter().map(AllocatorBuilder::Tcp).collect(), Box::new(comms), health))
}

fn net_error(cluster: &Cluster, peer: usize, e: io::Error) -> SluiceError {
    SluiceError::exec(format!("process {peer} ({}): {e}", cluster.addresses[peer]))
}

/// One stream per process, `None` at this process's own index.
fn open_connections(cluster: &Cluster, hello: Hello) -> Result<Vec<Option<TcpStream>>> {
    let me = cluster.process;
    let n = cluster.processes();
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    let mut streams: Vec<Option<TcpStream>> = (0..n).map(|_| None).collect();
    // Listen first, so peers after us can connect while we reach those before us.
    let listener = if me + 1 < n {
        let l = TcpListener::bind(&cluster.addresses[me]).map_err(|e| {
            SluiceError::exec(format!("process {me} cannot listen on {}: {e}", cluster.addresses[me]))
        })?;
        l.set_nonblocking(true).map_err(|e| net_error(cluster, me, e))?;
        Some(l)
    } else {
        None
    };
    for (peer, slot) in streams.iter_mut().enumerate().take(me) {
        let addr = &cluster.addresses[peer];
        let mut stream = loop {
            match TcpStream::connect(addr) {
                Ok(s) => break s,
                Err(e) if Instant::now() >= deadline => {
                    return Err(SluiceError::exec(format!(
                        "cannot connect to process {peer} ({addr}) within {} s: {e}",
                        CONNECT_TIMEOUT.as_secs()
                    )))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        };
        stream.set_nodelay(true).map_err(|e| net_error(cluster, peer, e))?;
        stream.set_read_timeout(Some(CONNECT_TIMEOUT)).map_err(|e| net_error(cluster, peer, e))?;
        hello.write(&mut stream).map_err(|e| net_error(cluster, peer, e))?;
        let theirs = Hello::read(&mut stream).map_err(|e| net_error(cluster, peer, e))?;
        check_peer(cluster, peer, &hello, &theirs)?;
        *slot = Some(stream);
    }
    if let Some(listener) = listener {
        while streams[me + 1..].iter().any(Option::is_none) {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    stream.set_nonblocking(false).map_err(|e| net_error(cluster, me, e))?;
                    stream.set_nodelay(true).map_err(|e| net_error(cluster, me, e))?;
                    stream.set_read_timeout(Some(CONNECT_TIMEOUT)).map_err(|e| net_error(cluster, me, e))?;
                    let Ok(theirs) = Hello::read(&mut stream) else { continue };
                    let peer = theirs.process as usize;
                    if peer <= me || peer >= n || streams[peer].is_some() {
                        continue;
                    }
                    // Answer first, so a mismatched peer can say why it refuses too.
                    hello.write(&mut stream).map_err(|e| net_error(cluster, peer, e))?;
                    check_peer(cluster, peer, &hello, &theirs)?;
                    streams[peer] = Some(stream);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        let missing: Vec<String> = (me + 1..n)
                            .filter(|&p| streams[p].is_none())
                            .map(|p| format!("process {p} ({})", cluster.addresses[p]))
                            .collect();
                        return Err(SluiceError::exec(format!(
                            "{} did not connect within {} s",
                            missing.join(", "),
                            CONNECT_TIMEOUT.as_secs()
                        )));
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(net_error(cluster, me, e)),
            }
        }
    }
    Ok(streams)
}

fn check_peer(cluster: &Cluster, peer: usize, mine: &Hello, theirs: &Hello) -> Result<()> {
    match mine.mismatch(theirs) {
        Some(why) => Err(SluiceError::exec(format!(
            "process {peer} ({}) cannot join this process's computation: {why}",
            cluster.addresses[peer]
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostfile_lists_host_port_lines_in_order_skipping_blanks_and_comments() {
        let hosts = parse_hostfile("# cluster\n127.0.0.1:7100\n\n  localhost:7101  \n").expect("valid");
        assert_eq!(hosts, vec!["127.0.0.1:7100".to_string(), "localhost:7101".to_string()]);
    }

    #[test]
    fn hostfile_errors_name_the_line() {
        assert_eq!(parse_hostfile("a:1\nnoport\n").unwrap_err().0, 2);
        assert_eq!(parse_hostfile("a:1\nb:99999\n").unwrap_err().0, 2);
        assert_eq!(parse_hostfile("a:1\na:1\n").unwrap_err().0, 2);
        assert!(parse_hostfile("\n# nothing\n").is_err());
    }

    #[test]
    fn process_index_must_be_in_range() {
        let hosts = vec!["a:1".to_string(), "b:2".to_string()];
        assert!(Cluster::new(hosts.clone(), 1).is_ok());
        let err = Cluster::new(hosts, 2).unwrap_err().to_string();
        assert!(err.contains("out of range"), "{err}");
    }
}

/// Where a query's workers run: `threads` in this process and, in cluster mode, the
/// same number in each other process of the cluster.
#[derive(Clone, Debug)]
pub(crate) struct Placement {
    pub threads: usize,
    /// The cluster and the how-many-th cluster execution of the session this is (every
    /// process counts the same, so a process running a different statement is refused).
    pub cluster: Option<(Cluster, u64)>,
}

impl Placement {
    /// Workers over all processes.
    pub fn total_workers(&self) -> usize {
        self.threads * self.cluster.as_ref().map_or(1, |(c, _)| c.processes())
    }

    /// True in the process that runs the driver (process 0, or the only one).
    pub fn is_driver(&self) -> bool {
        self.cluster.as_ref().is_none_or(|(c, _)| c.process == 0)
    }
}
