//! The socket source, for development as in Spark: UTF-8 lines read from a TCP server
//! become rows of a `value` string column (plus `timestamp`, when each line arrived, with
//! `includeTimestamp`). Not fault-tolerant: lines are buffered in memory and cannot be
//! replayed after a failure, so it suits tests and demos only. A server that closes the
//! connection ends the stream; one that cannot be reached is an error when the query starts.

use sluice_core::{DataType, Options, Result, Row, Schema, SluiceError, Value};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The socket source's schema: `value STRING` and, with `includeTimestamp`, `timestamp TIMESTAMP`.
pub fn socket_schema(include_timestamp: bool) -> Schema {
    let schema = Schema::default().with("value", DataType::String);
    if include_timestamp {
        schema.with("timestamp", DataType::Timestamp)
    } else {
        schema
    }
}

/// `host`, `port` and `includeTimestamp`, checked as Spark checks them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketConfig {
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Add the arrival time of each line.
    pub include_timestamp: bool,
}

impl SocketConfig {
    /// Reads the options.
    pub fn from_options(options: &Options) -> Result<SocketConfig> {
        let host = options.get("host").ok_or_else(|| {
            SluiceError::option("host", "Set a host to read from with option(\"host\", ...).")
        })?;
        let port = options.get("port").ok_or_else(|| {
            SluiceError::option("port", "Set a port to read from with option(\"port\", ...).")
        })?;
        let port = port.trim().parse::<u16>().map_err(|_| {
            SluiceError::option("port", format!("Port must be an integer between 0 and 65535, got '{port}'"))
        })?;
        Ok(SocketConfig {
            host: host.to_string(),
            port,
            include_timestamp: options.get_bool("includeTimestamp", false)?,
        })
    }
}

#[derive(Default)]
struct Buffer {
    rows: Vec<Row>,
    closed: bool,
    error: Option<String>,
}

/// A connection to the server and the lines read from it but not yet taken by a batch.
pub struct SocketSource {
    buffer: Arc<Mutex<Buffer>>,
    /// Lines taken so far (the source's offset).
    taken: u64,
}

impl SocketSource {
    /// Connects (an unreachable server is an error naming it) and reads lines in the background.
    pub fn connect(config: &SocketConfig) -> Result<SocketSource> {
        let address = format!("{}:{}", config.host, config.port);
        let stream = TcpStream::connect(&address).map_err(|e| {
            SluiceError::exec(format!("cannot connect to the socket source at {address}: {e}"))
        })?;
        let _ = stream.set_read_timeout(None::<Duration>);
        let buffer = Arc::new(Mutex::new(Buffer::default()));
        let shared = buffer.clone();
        let include_timestamp = config.include_timestamp;
        std::thread::Builder::new()
            .name(format!("sluice-socket-{address}"))
            .spawn(move || {
                let mut reader = BufReader::new(stream);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(0) => break,
                        Ok(_) => {
                            while matches!(line.last(), Some(b'\n' | b'\r')) {
                                line.pop();
                            }
                            let mut row = vec![Value::String(String::from_utf8_lossy(&line).into())];
                            if include_timestamp {
                                row.push(Value::Timestamp(now_micros()));
                            }
                            shared.lock().unwrap_or_else(|p| p.into_inner()).rows.push(row);
                        }
                        Err(e) => {
                            shared.lock().unwrap_or_else(|p| p.into_inner()).error = Some(e.to_string());
                            break;
                        }
                    }
                }
                shared.lock().unwrap_or_else(|p| p.into_inner()).closed = true;
            })
            .map_err(|e| SluiceError::exec(format!("cannot start the socket reader: {e}")))?;
        Ok(SocketSource { buffer, taken: 0 })
    }

    /// The lines received since the last call, as rows; an error if the connection failed.
    pub fn take(&mut self) -> Result<Vec<Row>> {
        let mut b = self.buffer.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = b.error.take() {
            return Err(SluiceError::exec(format!("the socket source's connection failed: {e}")));
        }
        let rows = std::mem::take(&mut b.rows);
        self.taken += rows.len() as u64;
        Ok(rows)
    }

    /// True once the server closed the connection and every line was taken.
    pub fn is_exhausted(&self) -> bool {
        let b = self.buffer.lock().unwrap_or_else(|p| p.into_inner());
        b.closed && b.rows.is_empty()
    }

    /// Lines taken so far.
    pub fn offset(&self) -> u64 {
        self.taken
    }
}

fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}
