//! The socket source against a real TCP server on 127.0.0.1: lines arrive as rows, the
//! server closing ends the stream, and a refused connection is an error at start.

use sluice::prelude::*;
use std::io::Write;
use std::net::TcpListener;
use std::time::Duration;

fn socket_query(spark: &Session, port: u16, include_timestamp: bool) -> sluice::Result<StreamingQuery> {
    spark
        .read_stream()
        .format("socket")
        .option("host", "127.0.0.1")
        .option("port", port)
        .option("includeTimestamp", include_timestamp)
        .load(None)?
        .write_stream()
        .format("memory")
        .query_name("lines")
        .start()
}

#[test]
fn lines_sent_by_a_server_arrive_as_rows_and_closing_ends_the_stream() {
    for workers in [1, 2] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            conn.write_all(b"hello world\nsecond line\n").unwrap();
            rx.recv().unwrap();
            conn.write_all("third, with ünicode\r\n".as_bytes()).unwrap();
        });
        let spark = Session::builder().workers(workers).build().unwrap();
        let q = socket_query(&spark, port, true).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while spark.table("lines").unwrap().count().unwrap() < 2 {
            assert!(std::time::Instant::now() < deadline, "lines did not arrive");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(q.is_active(), "the stream stays open while the server is connected");
        tx.send(()).unwrap();
        server.join().unwrap();
        assert!(
            q.await_termination_timeout(Duration::from_secs(30)).unwrap(),
            "server close ends the stream"
        );
        assert!(q.exception().is_none());
        let values: Vec<Value> = spark
            .sql("SELECT value FROM lines ORDER BY value")
            .unwrap()
            .collect()
            .unwrap()
            .into_iter()
            .map(|r| r[0].clone())
            .collect();
        assert_eq!(
            values,
            vec![
                Value::string("hello world"),
                Value::string("second line"),
                Value::string("third, with ünicode")
            ]
        );
        let stamped = spark.sql("SELECT count(timestamp) FROM lines").unwrap().collect().unwrap();
        assert_eq!(stamped, vec![vec![Value::Long(3)]], "includeTimestamp stamps every line");
    }
}

#[test]
fn a_refused_connection_is_an_error_at_start_naming_the_address() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let spark = Session::builder().build().unwrap();
    let err = socket_query(&spark, port, false).unwrap_err().to_string();
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(spark.streams().active().is_empty());
}

#[test]
fn missing_host_or_port_are_option_errors() {
    let spark = Session::builder().build().unwrap();
    let err = spark.read_stream().format("socket").option("port", 1).load(None).unwrap_err().to_string();
    assert!(err.contains("host"), "{err}");
    let err = spark.read_stream().format("socket").option("host", "x").load(None).unwrap_err().to_string();
    assert!(err.contains("port"), "{err}");
}
