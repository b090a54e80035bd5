//! Writes to a peer that does not read are queued, not lost: they all arrive, in order, once
//! it reads, and a graceful close still delivers them after the writer has stopped.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use backstage_core::{Actor, ActorError, Addr, Context, Handler, Message, Runtime};
use backstage_native_driver::io::{self, Connection, TcpEvent};
use backstage_native_driver::{Engine, Handle};

const TIMEOUT: Duration = Duration::from_secs(10);
/// More than loopback's socket buffers can hold, so most of it must queue in the loop.
const TOTAL: usize = 24 << 20;
const CHUNK: usize = 60_000;

fn pattern(at: usize) -> u8 {
    (at % 253) as u8
}

/// Owns the server end of a connection; writes when told to.
struct Writer {
    stream: Option<TcpStream>,
    conn: Option<Connection>,
}

impl Actor for Writer {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let stream = self.stream.take().ok_or("no stream")?;
        self.conn =
            Some(io::register_stream(stream, &ctx.me()).map_err(|e| ActorError::from_error(&e))?);
        Ok(())
    }
}

impl Handler<TcpEvent> for Writer {
    fn handle(&mut self, _: TcpEvent, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        Ok(())
    }
}

/// Writes `TOTAL` pattern bytes in `CHUNK`s; replies with what is still queued afterwards.
struct Blast;
impl Message for Blast {
    type Reply = usize;
}

impl Handler<Blast> for Writer {
    fn handle(&mut self, _: Blast, _: &mut Context<'_, Self>) -> Result<usize, ActorError> {
        let conn = self.conn.as_ref().ok_or("not connected")?;
        let mut at = 0;
        while at < TOTAL {
            let end = (at + CHUNK).min(TOTAL);
            let chunk: Vec<u8> = (at..end).map(pattern).collect();
            conn.write(&chunk).map_err(|e| ActorError::from_error(&e))?;
            at = end;
        }
        Ok(conn.queued())
    }
}

/// Replies with the bytes still queued.
struct Queued;
impl Message for Queued {
    type Reply = usize;
}

impl Handler<Queued> for Writer {
    fn handle(&mut self, _: Queued, _: &mut Context<'_, Self>) -> Result<usize, ActorError> {
        Ok(self.conn.as_ref().map_or(0, Connection::queued))
    }
}

/// Closes the connection gracefully and stops at once.
struct CloseAndStop;
impl Message for CloseAndStop {
    type Reply = ();
}

impl Handler<CloseAndStop> for Writer {
    fn handle(&mut self, _: CloseAndStop, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        if let Some(conn) = &self.conn {
            conn.close();
            assert!(!conn.is_open());
            assert!(
                conn.write(b"too late").is_err(),
                "a closing connection takes no writes"
            );
        }
        ctx.stop(ctx.id()).map_err(|e| ActorError::from_error(&e))
    }
}

/// A connected pair: the server end owned by a `Writer` on the engine, the client end here.
fn connect(handle: &Handle) -> (Addr<Writer>, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    client.set_read_timeout(Some(TIMEOUT)).unwrap();
    let (server, _) = listener.accept().unwrap();
    let mut server = Some(server);
    let writer = handle
        .spawn(move || Writer {
            stream: server.take(),
            conn: None,
        })
        .wait_timeout(TIMEOUT)
        .unwrap();
    (writer, client)
}

/// Reads exactly `TOTAL` bytes and checks them against the pattern.
fn read_all(client: &mut TcpStream) {
    let mut buf = vec![0; 1 << 16];
    let mut at = 0;
    while at < TOTAL {
        let n = client.read(&mut buf).unwrap();
        assert!(n > 0, "the connection ended after {at} of {TOTAL} bytes");
        for (i, byte) in buf[..n].iter().enumerate() {
            assert_eq!(*byte, pattern(at + i), "wrong byte at {}", at + i);
        }
        at += n;
    }
}

#[test]
fn writes_to_a_peer_that_does_not_read_all_arrive_once_it_reads() {
    let engine = Engine::builder().loops(1).start().unwrap();
    let handle = engine.handle();
    let (writer, mut client) = connect(&handle);

    // Every write succeeds at once though the peer reads nothing: the excess is queued.
    let queued = handle.ask(&writer, Blast).wait_timeout(TIMEOUT).unwrap();
    assert!(
        queued > 0,
        "expected some of the {TOTAL} bytes to be queued"
    );
    assert!(queued < TOTAL);

    // Now the peer reads: everything arrives, in order, and the queue drains.
    read_all(&mut client);
    assert_eq!(
        handle.ask(&writer, Queued).wait_timeout(TIMEOUT).unwrap(),
        0
    );
    engine.shutdown_and_join();
}

#[test]
fn a_graceful_close_delivers_the_queue_after_its_owner_stopped() {
    let engine = Engine::builder().loops(1).start().unwrap();
    let handle = engine.handle();
    let (writer, mut client) = connect(&handle);
    let queued = handle.ask(&writer, Blast).wait_timeout(TIMEOUT).unwrap();
    assert!(queued > 0);
    handle
        .ask(&writer, CloseAndStop)
        .wait_timeout(TIMEOUT)
        .unwrap();
    handle
        .terminated(writer.id())
        .wait_timeout(TIMEOUT)
        .unwrap();

    read_all(&mut client);
    // Then the end of the stream.
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    engine.shutdown_and_join();
}

#[test]
fn stopping_the_owner_without_close_closes_the_connection() {
    let engine = Engine::builder().loops(1).start().unwrap();
    let handle = engine.handle();
    let (writer, mut client) = connect(&handle);
    handle.stop(writer.id()).unwrap();
    handle
        .terminated(writer.id())
        .wait_timeout(TIMEOUT)
        .unwrap();
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    engine.shutdown_and_join();
}
