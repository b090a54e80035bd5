//! UDP sockets as message sources: every datagram reaches the owner with its sender, replies
//! go out through the endpoint, and the socket closes when its owner stops.

use std::collections::BTreeSet;
use std::net::UdpSocket;
use std::sync::mpsc::{self, Sender};
use std::time::{Duration, Instant};

use backstage_core::{Actor, ActorError, Context, Handler};
use backstage_native_driver::io::{self, Datagram, UdpEndpoint};
use backstage_native_driver::Engine;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Echoes every datagram to its sender and reports it.
struct Echo {
    socket: Option<UdpSocket>,
    endpoint: Option<UdpEndpoint>,
    seen: Sender<Datagram>,
}

impl Actor for Echo {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let socket = self.socket.take().ok_or("no socket")?;
        self.endpoint =
            Some(io::register_udp(socket, &ctx.me()).map_err(|e| ActorError::from_error(&e))?);
        Ok(())
    }
}

impl Handler<Datagram> for Echo {
    fn handle(&mut self, datagram: Datagram, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let endpoint = self.endpoint.as_ref().ok_or("no endpoint")?;
        endpoint
            .send_to(&datagram.data, datagram.from)
            .map_err(|e| ActorError::from_error(&e))?;
        let _ = self.seen.send(datagram);
        Ok(())
    }
}

fn payload(i: usize) -> Vec<u8> {
    // Sizes from empty to 1000 bytes; the first bytes make every payload unique.
    let mut data = (i as u32).to_be_bytes().to_vec();
    data.extend((0..(i * 37) % 1000).map(|j| (i + j) as u8));
    if i == 0 {
        data.clear();
    }
    data
}

#[test]
fn every_datagram_reaches_the_owner_with_its_sender_and_is_answered() {
    const COUNT: usize = 100;
    let engine = Engine::builder().loops(1).start().unwrap();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let server = socket.local_addr().unwrap();
    let (seen_tx, seen) = mpsc::channel();
    let mut socket = Some(socket);
    engine
        .handle()
        .spawn(move || Echo {
            socket: socket.take(),
            endpoint: None,
            seen: seen_tx.clone(),
        })
        .wait_timeout(TIMEOUT)
        .unwrap();

    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.set_read_timeout(Some(TIMEOUT)).unwrap();
    let sent: BTreeSet<Vec<u8>> = (0..COUNT).map(payload).collect();
    for data in &sent {
        client.send_to(data, server).unwrap();
    }
    let mut echoed = BTreeSet::new();
    let mut buf = [0; 2048];
    for _ in 0..COUNT {
        let (n, from) = client.recv_from(&mut buf).unwrap();
        assert_eq!(from, server, "the echo comes from the registered socket");
        echoed.insert(buf[..n].to_vec());
    }
    assert_eq!(echoed, sent);

    let mut received = BTreeSet::new();
    for _ in 0..COUNT {
        let datagram = seen.recv_timeout(TIMEOUT).unwrap();
        assert_eq!(datagram.from, client.local_addr().unwrap());
        received.insert(datagram.data);
    }
    assert_eq!(received, sent);
    engine.shutdown_and_join();
}

#[test]
fn the_socket_closes_when_its_owner_stops() {
    let engine = Engine::builder().loops(1).start().unwrap();
    let handle = engine.handle();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let server = socket.local_addr().unwrap();
    let (seen_tx, _seen) = mpsc::channel();
    let mut socket = Some(socket);
    let echo = handle
        .spawn(move || Echo {
            socket: socket.take(),
            endpoint: None,
            seen: seen_tx.clone(),
        })
        .wait_timeout(TIMEOUT)
        .unwrap();

    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.connect(server).unwrap();
    client.set_read_timeout(Some(TIMEOUT)).unwrap();
    client.send(b"ping").unwrap();
    let mut buf = [0; 16];
    assert_eq!(client.recv(&mut buf).unwrap(), 4);

    handle.stop(echo.id()).unwrap();
    handle.terminated(echo.id()).wait_timeout(TIMEOUT).unwrap();
    // The port is closed now: a datagram to it is refused (ICMP port unreachable, reported on
    // the connected client socket).
    client
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let answer = client.send(b"ping").and_then(|_| client.recv(&mut buf));
        match answer {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => break,
            Ok(_) => panic!("the stopped owner's socket answered"),
            Err(_) => assert!(Instant::now() < deadline, "the socket was not closed"),
        }
    }
    engine.shutdown_and_join();
}
