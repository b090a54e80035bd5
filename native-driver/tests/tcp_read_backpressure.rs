//! Reading with back pressure: owners whose mailboxes are full (capacity 1, a loop that
//! handles one message per turn) get every byte their peers sent, in order, then `Closed`;
//! nothing becomes a dead letter or is rejected.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

use backstage_core::{Actor, ActorError, Context, Handler, SpawnOptions};
use backstage_native_driver::io::{self, Connection, TcpEvent};
use backstage_native_driver::Engine;

const TIMEOUT: Duration = Duration::from_secs(10);
const PEERS: usize = 8;
const BYTES: usize = 2 << 20;

fn pattern(peer: usize, at: usize) -> u8 {
    (at % 241 + peer) as u8
}

/// Checks its peer's bytes as they come, and reports (bytes, in order, closed cleanly).
struct Reader {
    peer: usize,
    stream: Option<TcpStream>,
    conn: Option<Connection>,
    received: usize,
    in_order: bool,
    done: Sender<(usize, usize, bool, bool)>,
}

impl Actor for Reader {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let stream = self.stream.take().ok_or("no stream")?;
        self.conn =
            Some(io::register_stream(stream, &ctx.me()).map_err(|e| ActorError::from_error(&e))?);
        Ok(())
    }
}

impl Handler<TcpEvent> for Reader {
    fn handle(&mut self, event: TcpEvent, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        match event {
            TcpEvent::Data(bytes) => {
                assert!(!bytes.is_empty());
                for (i, byte) in bytes.iter().enumerate() {
                    self.in_order &= *byte == pattern(self.peer, self.received + i);
                }
                self.received += bytes.len();
            }
            TcpEvent::Closed { error } => {
                let _ = self
                    .done
                    .send((self.peer, self.received, self.in_order, error.is_none()));
            }
        }
        Ok(())
    }
}

#[test]
fn full_mailboxes_slow_the_peers_down_and_lose_nothing() {
    // One message per turn: socket data arrives faster than the owners take it, so deliveries
    // wait for mailbox space (and reading those sockets pauses) all the time.
    let engine = Engine::builder().loops(1).budget(1).start().unwrap();
    let handle = engine.handle();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (done_tx, done) = mpsc::channel();

    let mut writers = Vec::new();
    for peer in 0..PEERS {
        writers.push(thread::spawn(move || {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.set_write_timeout(Some(TIMEOUT)).unwrap();
            let data: Vec<u8> = (0..BYTES).map(|at| pattern(peer, at)).collect();
            // Many small writes, so the owner sees many reads.
            for chunk in data.chunks(4096) {
                stream.write_all(chunk).unwrap();
            }
        }));
        let (server, _) = listener.accept().unwrap();
        let mut server = Some(server);
        let done = done_tx.clone();
        handle
            .spawn_with(SpawnOptions::new().capacity(1), move || Reader {
                peer,
                stream: server.take(),
                conn: None,
                received: 0,
                in_order: true,
                done: done.clone(),
            })
            .wait_timeout(TIMEOUT)
            .unwrap();
    }
    for writer in writers {
        writer.join().unwrap();
    }
    let mut reports: Vec<_> = (0..PEERS)
        .map(|_| done.recv_timeout(TIMEOUT).unwrap())
        .collect();
    reports.sort();
    for (peer, (reported, received, in_order, clean)) in reports.into_iter().enumerate() {
        assert_eq!(reported, peer);
        assert_eq!(received, BYTES, "peer {peer}: bytes lost or duplicated");
        assert!(in_order, "peer {peer}: bytes out of order");
        assert!(clean, "peer {peer}: the connection failed");
    }
    let metrics = handle.metrics(0).wait_timeout(TIMEOUT).unwrap();
    assert_eq!(metrics.dead_letters, 0, "{metrics:?}");
    assert_eq!(metrics.rejected, 0, "{metrics:?}");
    assert_eq!(metrics.failures, 0, "{metrics:?}");
    engine.shutdown_and_join();
}
