//! The chat example: every line said in a room reaches every other member, in the same order
//! for everyone; a client that leaves mid-line loses nothing it sent, and its actor stops.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use backstage_core::SystemMetrics;
use backstage_native_driver::{Engine, Handle};

#[path = "../examples/chat.rs"]
#[allow(dead_code)]
mod chat;

const TIMEOUT: Duration = Duration::from_secs(10);

struct Client {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
    name: String,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let writer = TcpStream::connect(addr).unwrap();
        writer.set_read_timeout(Some(TIMEOUT)).unwrap();
        writer.set_write_timeout(Some(TIMEOUT)).unwrap();
        let name = writer.local_addr().unwrap().to_string();
        let reader = BufReader::new(writer.try_clone().unwrap());
        Client {
            writer,
            reader,
            name,
        }
    }

    fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        let n = self.reader.read_line(&mut line).unwrap();
        assert!(n > 0, "{}: the server closed the connection", self.name);
        assert!(
            line.ends_with('\n'),
            "{}: unfinished line {line:?}",
            self.name
        );
        line.pop();
        line
    }

    fn join(&mut self, room: &str) {
        self.send(&format!("/join {room}\n"));
        assert_eq!(self.line(), format!("* joined {room}"));
    }
}

fn start() -> (Engine, Handle, usize, SocketAddr) {
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    let engine = Engine::builder().loops(2).start().unwrap();
    let handle = engine.handle();
    let server = chat::serve(&handle, socket).unwrap();
    let index = handle.loop_of(server.id()).unwrap();
    (engine, handle, index, addr)
}

/// Polls the server loop's counters until `done` holds or the deadline passes.
fn wait_for(
    handle: &Handle,
    index: usize,
    what: &str,
    done: impl Fn(&SystemMetrics) -> bool,
) -> SystemMetrics {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let m = handle.metrics(index).wait_timeout(TIMEOUT).unwrap();
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

#[test]
fn every_line_reaches_every_other_member_in_one_order() {
    const MEMBERS: usize = 20;
    const LINES: usize = 25;
    let (engine, _handle, _, addr) = start();
    let joined = Arc::new(Barrier::new(MEMBERS));
    let members: Vec<_> = (0..MEMBERS)
        .map(|member| {
            let joined = joined.clone();
            thread::spawn(move || {
                let mut client = Client::connect(addr);
                client.join("lobby");
                // Everyone is in the room before anyone speaks.
                joined.wait();
                // Several lines per write, and lines split across writes.
                let text: String = (0..LINES)
                    .map(|line| format!("m{member} l{line}\n"))
                    .collect();
                let (first, second) = text.split_at(text.len() / 2 + 3);
                client.send(first);
                client.send(second);
                let heard: Vec<String> =
                    (0..(MEMBERS - 1) * LINES).map(|_| client.line()).collect();
                (client.name.clone(), heard)
            })
        })
        .collect();
    let results: Vec<(String, Vec<String>)> =
        members.into_iter().map(|m| m.join().unwrap()).collect();

    let names: HashMap<&str, usize> = results
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (name.as_str(), i))
        .collect();
    for (me, (name, heard)) in results.iter().enumerate() {
        // From each other member: all its lines, in the order it said them.
        let mut next = [0; MEMBERS];
        for line in heard {
            let (from, text) = line
                .split_once(": ")
                .unwrap_or_else(|| panic!("{name}: bad line {line:?}"));
            let sender = names[from];
            assert_ne!(sender, me, "{name} heard its own line {line:?}");
            assert_eq!(
                text,
                format!("m{sender} l{}", next[sender]),
                "{name}: out of order"
            );
            next[sender] += 1;
        }
        for (sender, count) in next.iter().enumerate() {
            if sender != me {
                assert_eq!(
                    *count, LINES,
                    "{name} heard {count} lines from member {sender}"
                );
            }
        }
    }
    // One order for the whole room: any two members heard each other's third parties in the
    // same sequence.
    let without = |heard: &[String], a: &str, b: &str| -> Vec<String> {
        heard
            .iter()
            .filter(|l| !l.starts_with(&format!("{a}: ")) && !l.starts_with(&format!("{b}: ")))
            .cloned()
            .collect()
    };
    let (a, heard_a) = &results[0];
    for (b, heard_b) in &results[1..] {
        assert_eq!(
            without(heard_a, a, b),
            without(heard_b, a, b),
            "{a} and {b} heard different orders"
        );
    }
    engine.shutdown_and_join();
}

#[test]
fn a_client_leaving_mid_line_loses_nothing_and_its_actor_stops() {
    let (engine, handle, index, addr) = start();
    let mut listener = Client::connect(addr);
    listener.join("room");
    let before = wait_for(&handle, index, "the listening member", |m| {
        m.live_actors == 2
    });

    // The leaver says a burst of lines and an unfinished one, then disconnects at once.
    let mut leaver = Client::connect(addr);
    leaver.join("room");
    let burst: String = (0..200).map(|i| format!("line {i}\n")).collect();
    leaver.send(&format!("{burst}and then the connection dr"));
    let name = leaver.name.clone();
    drop(leaver);

    for i in 0..200 {
        assert_eq!(listener.line(), format!("{name}: line {i}"));
    }
    assert_eq!(
        listener.line(),
        format!("{name}: and then the connection dr")
    );

    // The leaver's actor stopped on its own, without failing; the others live on.
    let after = wait_for(&handle, index, "the leaver's actor to stop", |m| {
        m.stopped == before.stopped + 1 && m.live_actors == 2
    });
    assert_eq!(after.failures, 0, "{after:?}");
    assert_eq!(after.spawned, before.spawned + 1, "{after:?}");

    // The room still works for who is left.
    let mut late = Client::connect(addr);
    late.join("room");
    late.send("still here\n");
    assert_eq!(listener.line(), format!("{}: still here", late.name));
    engine.shutdown_and_join();
}

#[test]
fn lines_stay_in_their_room() {
    let (engine, _handle, _, addr) = start();
    let mut red = Client::connect(addr);
    red.join("red");
    let mut blue = Client::connect(addr);
    blue.join("blue");
    let mut talker = Client::connect(addr);
    talker.send("nobody hears this\n");
    assert_eq!(talker.line(), "* join a room first: /join ROOM");
    talker.join("red");
    talker.send("to red\n");
    talker.join("blue");
    talker.send("to blue\n");
    talker.send("/leave\n");
    assert_eq!(talker.line(), "* left blue");
    assert_eq!(red.line(), format!("{}: to red", talker.name));
    assert_eq!(blue.line(), format!("{}: to blue", talker.name));
    // Nothing else reached red: its next line is the one red's own peer says now.
    let mut other = Client::connect(addr);
    other.join("red");
    other.send("only this\n");
    assert_eq!(red.line(), format!("{}: only this", other.name));
    engine.shutdown_and_join();
}
