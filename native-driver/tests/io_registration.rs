//! Registering sockets: it needs a loop thread and an owner on that loop, fails with an error
//! (never a panic) otherwise, and handles of closed sockets fail cleanly.

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use backstage_core::{Actor, ActorError, Addr, Context, Handler, Message, SpawnOptions};
use backstage_native_driver::io::{self, Accepted, Datagram, TcpEvent};
use backstage_native_driver::Engine;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Handles every kind of socket message, and does nothing with them.
struct Sink;
impl Actor for Sink {}
impl Handler<Accepted> for Sink {
    fn handle(&mut self, _: Accepted, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        Ok(())
    }
}
impl Handler<TcpEvent> for Sink {
    fn handle(&mut self, _: TcpEvent, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        Ok(())
    }
}
impl Handler<Datagram> for Sink {
    fn handle(&mut self, _: Datagram, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        Ok(())
    }
}

/// Registers a listener for `owner` and reports how it went.
struct RegisterFor(TcpListener, Addr<Sink>);
impl Message for RegisterFor {
    type Reply = Result<SocketAddr, ErrorKind>;
}
impl Handler<RegisterFor> for Sink {
    fn handle(
        &mut self,
        RegisterFor(socket, owner): RegisterFor,
        _: &mut Context<'_, Self>,
    ) -> Result<Result<SocketAddr, ErrorKind>, ActorError> {
        Ok(io::register_listener(socket, &owner)
            .map(|l| l.local_addr())
            .map_err(|e| e.kind()))
    }
}

/// Registers a stream for itself, closes it and reports what its handle does afterwards.
struct CloseThenUse(TcpStream);
impl Message for CloseThenUse {
    type Reply = (bool, ErrorKind, bool);
}
impl Handler<CloseThenUse> for Sink {
    fn handle(
        &mut self,
        CloseThenUse(stream): CloseThenUse,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(bool, ErrorKind, bool), ActorError> {
        let conn =
            io::register_stream(stream, &ctx.me()).map_err(|e| ActorError::from_error(&e))?;
        let open_before = conn.is_open();
        conn.close();
        conn.close();
        let copy = conn.clone();
        let error = copy.write(b"after close").unwrap_err().kind();
        Ok((open_before, error, copy.is_open()))
    }
}

fn connect_refused(addr: SocketAddr) -> bool {
    matches!(TcpStream::connect(addr), Err(e) if e.kind() == ErrorKind::ConnectionRefused)
}

/// Polls until connecting to `addr` is refused, or the deadline passes.
fn wait_until_refused(addr: SocketAddr) {
    let deadline = Instant::now() + TIMEOUT;
    while !connect_refused(addr) {
        assert!(
            Instant::now() < deadline,
            "{addr} still accepts connections"
        );
        std::thread::yield_now();
    }
}

#[test]
fn registering_off_a_loop_thread_is_an_error_not_a_panic() {
    let engine = Engine::builder().loops(1).start().unwrap();
    let sink = engine
        .handle()
        .spawn(|| Sink)
        .wait_timeout(TIMEOUT)
        .unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let err = io::register_listener(listener, &sink).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Other);
    assert!(err.to_string().contains("loop thread"), "{err}");

    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let stream = TcpStream::connect(server.local_addr().unwrap()).unwrap();
    assert_eq!(
        io::register_stream(stream, &sink).unwrap_err().kind(),
        ErrorKind::Other
    );

    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    assert_eq!(
        io::register_udp(udp, &sink).unwrap_err().kind(),
        ErrorKind::Other
    );

    // The refused listener was dropped, not left half-registered.
    assert!(connect_refused(addr));
    engine.shutdown_and_join();
}

#[test]
fn an_owner_on_another_loop_is_refused() {
    let engine = Engine::builder().loops(2).start().unwrap();
    let handle = engine.handle();
    let here = handle
        .spawn_on(0, SpawnOptions::new(), || Sink)
        .wait_timeout(TIMEOUT)
        .unwrap();
    let elsewhere = handle
        .spawn_on(1, SpawnOptions::new(), || Sink)
        .wait_timeout(TIMEOUT)
        .unwrap();

    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let reply = handle
        .ask(&here, RegisterFor(socket, elsewhere))
        .wait_timeout(TIMEOUT)
        .unwrap();
    assert_eq!(reply, Err(ErrorKind::InvalidInput));

    // For an owner on the same loop, the same call works.
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = handle
        .ask(&here, RegisterFor(socket, here))
        .wait_timeout(TIMEOUT)
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(addr).is_ok());
    engine.shutdown_and_join();
}

#[test]
fn a_socket_registered_for_an_owner_that_is_gone_is_closed() {
    let engine = Engine::builder().loops(1).start().unwrap();
    let handle = engine.handle();
    let registrar = handle.spawn(|| Sink).wait_timeout(TIMEOUT).unwrap();
    let gone = handle.spawn(|| Sink).wait_timeout(TIMEOUT).unwrap();
    handle.stop(gone.id()).unwrap();
    handle.terminated(gone.id()).wait_timeout(TIMEOUT).unwrap();

    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = handle
        .ask(&registrar, RegisterFor(socket, gone))
        .wait_timeout(TIMEOUT)
        .unwrap()
        .unwrap();
    wait_until_refused(addr);
    engine.shutdown_and_join();
}

#[test]
fn handles_of_closed_sockets_fail_cleanly() {
    let engine = Engine::builder().loops(1).start().unwrap();
    let handle = engine.handle();
    let sink = handle.spawn(|| Sink).wait_timeout(TIMEOUT).unwrap();
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let _client = TcpStream::connect(server.local_addr().unwrap()).unwrap();
    let (stream, _) = server.accept().unwrap();
    let (open_before, error, open_after) = handle
        .ask(&sink, CloseThenUse(stream))
        .wait_timeout(TIMEOUT)
        .unwrap();
    assert!(open_before);
    assert_eq!(error, ErrorKind::NotConnected);
    assert!(!open_after);

    // A listener's owner stopping closes it.
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = handle
        .ask(&sink, RegisterFor(socket, sink))
        .wait_timeout(TIMEOUT)
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(addr).is_ok());
    handle.stop(sink.id()).unwrap();
    handle.terminated(sink.id()).wait_timeout(TIMEOUT).unwrap();
    wait_until_refused(addr);
    engine.shutdown_and_join();
}
