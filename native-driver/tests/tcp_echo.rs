//! The echo example serves many concurrent clients, echoing every byte exactly, and every
//! connection's actor stops once its client is done.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use backstage_core::SystemMetrics;
use backstage_native_driver::{Engine, Handle};

#[path = "../examples/echo.rs"]
#[allow(dead_code)]
mod echo;

const TIMEOUT: Duration = Duration::from_secs(10);

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    stream
}

fn totals(handle: &Handle) -> SystemMetrics {
    let mut total = SystemMetrics::default();
    for index in 0..handle.loops() {
        let m = handle.metrics(index).wait_timeout(TIMEOUT).unwrap();
        total.spawned += m.spawned;
        total.stopped += m.stopped;
        total.failures += m.failures;
        total.live_actors += m.live_actors;
        total.dead_letters += m.dead_letters;
    }
    total
}

/// Polls the engine's counters until `done` holds or the deadline passes.
fn wait_for(handle: &Handle, what: &str, done: impl Fn(&SystemMetrics) -> bool) -> SystemMetrics {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let m = totals(handle);
        if done(&m) {
            return m;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {m:?}"
        );
        thread::yield_now();
    }
}

fn start() -> (Engine, SocketAddr) {
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    let engine = Engine::builder().loops(2).start().unwrap();
    echo::serve(&engine.handle(), socket).unwrap();
    (engine, addr)
}

#[test]
fn fifty_concurrent_clients_get_every_message_back_exactly() {
    const CLIENTS: usize = 50;
    const MESSAGES: usize = 20;
    let (engine, addr) = start();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            thread::spawn(move || {
                let mut stream = connect(addr);
                for message in 0..MESSAGES {
                    // Sizes from a few bytes to well over one read's 64 KiB.
                    let len = 1 + (client * 7919 + message * 104_729) % 100_000;
                    let payload: Vec<u8> = (0..len)
                        .map(|i| (i * 31 + client + message) as u8)
                        .collect();
                    stream.write_all(&payload).unwrap();
                    let mut echoed = vec![0; len];
                    stream.read_exact(&mut echoed).unwrap();
                    assert!(
                        echoed == payload,
                        "client {client} message {message}: wrong echo"
                    );
                }
                // Done: the server ends the connection after our end-of-stream.
                stream.shutdown(std::net::Shutdown::Write).unwrap();
                let mut rest = Vec::new();
                stream.read_to_end(&mut rest).unwrap();
                assert!(
                    rest.is_empty(),
                    "client {client}: {} unexpected bytes",
                    rest.len()
                );
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    // The server plus one actor per connection were spawned; only the server is left.
    let m = wait_for(&engine.handle(), "the connections' actors to stop", |m| {
        m.spawned == CLIENTS as u64 + 1 && m.live_actors == 1
    });
    assert_eq!(m.failures, 0, "{m:?}");
    assert_eq!(m.dead_letters, 0, "{m:?}");
    engine.shutdown_and_join();
}

#[test]
fn a_client_that_writes_everything_before_reading_gets_it_all_back() {
    // The client reads nothing until it has written 8 MiB: the server keeps reading (its
    // writes queue) instead of deadlocking with it.
    const LEN: usize = 8 << 20;
    let (engine, addr) = start();
    let mut stream = connect(addr);
    let payload: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
    stream.write_all(&payload).unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut echoed = Vec::with_capacity(LEN);
    stream.read_to_end(&mut echoed).unwrap();
    assert_eq!(echoed.len(), LEN);
    assert!(echoed == payload, "the echo differs from what was sent");
    engine.shutdown_and_join();
}

#[test]
fn shutdown_closes_the_listener_and_open_connections() {
    let (engine, addr) = start();
    let mut stream = connect(addr);
    stream.write_all(b"ping").unwrap();
    let mut echoed = [0; 4];
    stream.read_exact(&mut echoed).unwrap();
    let metrics = engine.shutdown_and_join();
    assert_eq!(metrics.iter().map(|m| m.live_actors).sum::<u64>(), 0);
    // The open connection was closed by the server...
    let mut rest = Vec::new();
    assert!(matches!(stream.read_to_end(&mut rest), Ok(0) | Err(_)));
    // ...and nobody listens any more.
    assert!(TcpStream::connect(addr).is_err());
}
