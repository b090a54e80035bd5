//! The inspector endpoint, end to end, through a minimal WebSocket client written here: hello,
//! snapshots of every loop's actors, watch pushes with rising rates and events, `stop` and
//! `send` on any loop, error frames for malformed frames and unknown commands (the connection
//! keeps serving), several clients at once, protocol violations closing the connection, and
//! loopback only unless explicitly exposed.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use backstage_core::inspect::json::{parse, Json, Limits};
use backstage_core::inspect::InspectorMessage;
use backstage_core::{
    Actor, ActorError, ActorId, Addr, Context, Envelope, Handler, Message, SpawnOptions,
};
use backstage_native_driver::{Engine, InspectorOptions};

// ---- a minimal client -----------------------------------------------------------------------

struct Client {
    stream: TcpStream,
    buffer: Vec<u8>,
    mask: u32,
}

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="; // RFC 6455's example answer

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        Client::connect_with(addr, "").expect("the handshake succeeds")
    }

    /// Connects and upgrades, with `extra` headers; `Err(status line)` if refused.
    fn connect_with(addr: SocketAddr, extra: &str) -> Result<Client, String> {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
        )
        .unwrap();
        let mut buffer = Vec::new();
        let end = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
            let mut chunk = [0; 1024];
            let n = stream.read(&mut chunk).unwrap();
            if n == 0 {
                return Err(String::from_utf8_lossy(&buffer).into());
            }
            buffer.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8(buffer[..end].to_vec()).unwrap();
        let status = head.lines().next().unwrap().to_string();
        if !status.starts_with("HTTP/1.1 101 ") {
            return Err(status);
        }
        assert!(
            head.contains(&format!("Sec-WebSocket-Accept: {ACCEPT}")),
            "{head}"
        );
        buffer.drain(..end + 4);
        Ok(Client {
            stream,
            buffer,
            mask: 0x1234_5678,
        })
    }

    /// Sends one frame, masked, as a client must.
    fn send_frame(&mut self, first_byte: u8, payload: &[u8]) {
        self.mask = self.mask.rotate_left(7) ^ 0x9E37_79B9;
        let mask = self.mask.to_be_bytes();
        let mut frame = vec![first_byte];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n <= 0xFFFF => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).unwrap();
    }

    fn send(&mut self, text: &str) {
        self.send_frame(0x81, text.as_bytes());
    }

    /// The next frame: (opcode, payload); `None` once the server closed the connection.
    fn frame(&mut self) -> Option<(u8, Vec<u8>)> {
        loop {
            if self.buffer.len() >= 2 {
                let (op, len) = (self.buffer[0] & 0x0F, self.buffer[1] & 0x7F);
                assert_eq!(self.buffer[1] & 0x80, 0, "server frames are not masked");
                assert_eq!(self.buffer[0] & 0x80, 0x80, "server frames are whole");
                let (len, at) = match len {
                    126 if self.buffer.len() >= 4 => (
                        u16::from_be_bytes([self.buffer[2], self.buffer[3]]) as usize,
                        4,
                    ),
                    127 if self.buffer.len() >= 10 => {
                        let mut b = [0; 8];
                        b.copy_from_slice(&self.buffer[2..10]);
                        (u64::from_be_bytes(b) as usize, 10)
                    }
                    126 | 127 => (usize::MAX, 0),
                    n => (n as usize, 2),
                };
                if at > 0 && self.buffer.len() >= at + len {
                    let payload = self.buffer[at..at + len].to_vec();
                    self.buffer.drain(..at + len);
                    return Some((op, payload));
                }
            }
            let mut chunk = [0; 64 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return None,
                Err(e) => panic!("read: {e}"),
            }
        }
    }

    /// The next text frame, as JSON (answering nothing else on the way).
    fn json(&mut self) -> Json {
        loop {
            let (op, payload) = self.frame().expect("the connection is open");
            if op == 0x1 {
                return parse(
                    &payload,
                    &Limits {
                        max_bytes: 1 << 24,
                        max_depth: 16,
                    },
                )
                .expect("frames are JSON");
            }
        }
    }

    /// The next frame of `type` (skipping pushes of other types), within 10 s.
    fn next(&mut self, kind: &str) -> Json {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            assert!(Instant::now() < deadline, "no {kind} frame within 10 s");
            let frame = self.json();
            if frame.get("type").and_then(Json::as_str) == Some(kind) {
                return frame;
            }
        }
    }

    /// The answer to a command: the next `ok`, `error` or `snapshot` frame with this `ref`
    /// (snapshots carry no ref: the next one is taken).
    fn answer(&mut self, reference: u64) -> Json {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            assert!(Instant::now() < deadline, "no answer to ref {reference}");
            let frame = self.json();
            let kind = frame.get("type").and_then(Json::as_str).unwrap_or("");
            if matches!(kind, "ok" | "error")
                && frame.get("ref").and_then(Json::as_u64) == Some(reference)
            {
                return frame;
            }
        }
    }
}

fn text<'a>(json: &'a Json, key: &str) -> &'a str {
    json.get(key)
        .and_then(Json::as_str)
        .unwrap_or_else(|| panic!("no string {key:?} in {json}"))
}

fn number(json: &Json, key: &str) -> f64 {
    json.get(key)
        .and_then(Json::as_f64)
        .unwrap_or_else(|| panic!("no number {key:?} in {json}"))
}

fn id_text(id: ActorId) -> String {
    let (n, i, g) = id.to_parts();
    format!("{n}.{i}.{g}")
}

fn actor<'a>(snapshot: &'a Json, name: &str) -> Option<&'a Json> {
    snapshot
        .get("actors")
        .and_then(Json::as_array)?
        .iter()
        .find(|a| a.get("name").and_then(Json::as_str) == Some(name))
}

// ---- the actors -----------------------------------------------------------------------------

struct Work;
impl Message for Work {
    type Reply = ();
}

/// Counts work; does not take inspector messages.
struct Busy;
impl Actor for Busy {}
impl Handler<Work> for Busy {
    fn handle(&mut self, _: Work, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        Ok(())
    }
}

/// Fails on `crash`.
struct Fragile;
impl Actor for Fragile {
    fn receive(
        &mut self,
        envelope: Envelope,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        InspectorMessage::receive(self, envelope, ctx)
    }
}
impl Handler<InspectorMessage> for Fragile {
    fn handle(
        &mut self,
        msg: InspectorMessage,
        _: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        match msg.text.as_str() {
            "crash" => Err(ActorError::new("crashed on request")),
            _ => Ok(()),
        }
    }
}

/// Two loops: `busy` on loop 0, `fragile` on loop 1.
fn engine(options: InspectorOptions) -> (Engine, Addr<Busy>, Addr<Fragile>) {
    let engine = Engine::builder()
        .loops(2)
        .inspector_with(options)
        .start()
        .unwrap();
    let h = engine.handle();
    let busy = h
        .spawn_on(0, SpawnOptions::new().name("busy"), || Busy)
        .wait()
        .unwrap();
    let fragile = h
        .spawn_on(1, SpawnOptions::new().name("fragile"), || Fragile)
        .wait()
        .unwrap();
    (engine, busy, fragile)
}

// ---- the tests ------------------------------------------------------------------------------

#[test]
fn hello_then_a_snapshot_of_every_loop() {
    let (engine, busy, fragile) = engine(InspectorOptions::new(0));
    let addr = engine.inspector_addr().unwrap();
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    let mut client = Client::connect(addr);
    assert_eq!(
        client
            .frame()
            .map(|(op, p)| (op, String::from_utf8(p).unwrap())),
        Some((
            0x1,
            r#"{"type":"hello","protocol":1,"runtime":"native","nodes":[0,1]}"#.to_string()
        ))
    );
    client.send(r#"{"type":"snapshot","ref":1}"#);
    let snapshot = client.next("snapshot");
    let b = actor(&snapshot, "busy").expect("busy is shown");
    assert_eq!(text(b, "id"), id_text(busy.id()));
    assert_eq!(text(b, "type"), "Busy");
    assert_eq!(text(b, "state"), "running");
    assert_eq!(number(b, "capacity"), 1024.0);
    let f = actor(&snapshot, "fragile").expect("fragile (on the other loop) is shown");
    assert_eq!(text(f, "id"), id_text(fragile.id()));
    assert!(fragile.id().node().0 == 1);
    let system = snapshot.get("system").unwrap();
    assert_eq!(number(system, "liveActors"), 2.0);
    engine.shutdown_and_join();
}

#[test]
fn watch_pushes_snapshots_with_rising_rates_and_events() {
    let (engine, busy, fragile) = engine(InspectorOptions::new(0));
    let h = engine.handle();
    let mut client = Client::connect(engine.inspector_addr().unwrap());
    client.next("hello");
    client.send(r#"{"type":"watch","ref":2,"intervalMs":100}"#);
    assert_eq!(text(&client.answer(2), "type"), "ok");

    // Work that grows: 200 more messages every 100 ms.
    let mut rates = Vec::new();
    let started = Instant::now();
    let mut round = 0;
    while rates.len() < 6 {
        round += 1;
        for _ in 0..round * 200 {
            h.tell(&busy, Work).unwrap();
        }
        let snapshot = client.next("snapshot");
        let rate = number(actor(&snapshot, "busy").unwrap(), "rate");
        if rate > 0.0 {
            rates.push(rate);
        }
        assert!(started.elapsed() < Duration::from_secs(20));
    }
    assert!(
        rates.last().unwrap() > rates.first().unwrap(),
        "rates rise with the load: {rates:?}"
    );

    // A crash on request: the events show the failure and the restart; a later snapshot the
    // restart count.
    client.send(&format!(
        r#"{{"type":"send","ref":3,"actor":"{}","text":"crash"}}"#,
        id_text(fragile.id())
    ));
    assert_eq!(text(&client.answer(3), "type"), "ok");
    let mut kinds = Vec::new();
    while !kinds.contains(&"restarted".to_string()) {
        let events = client.next("events");
        for e in events.get("events").and_then(Json::as_array).unwrap() {
            if e.get("id").and_then(Json::as_str) == Some(id_text(fragile.id()).as_str()) {
                kinds.push(text(e, "kind").to_string());
            }
        }
    }
    assert_eq!(kinds, ["failed", "restarted"]);
    loop {
        let snapshot = client.next("snapshot");
        if number(actor(&snapshot, "fragile").unwrap(), "restarts") == 1.0 {
            break;
        }
    }

    // A text to an actor that does not take it: a dead letter, shown by type only.
    client.send(&format!(
        r#"{{"type":"send","ref":4,"actor":"{}","text":"secret text"}}"#,
        id_text(busy.id())
    ));
    assert_eq!(text(&client.answer(4), "type"), "ok");
    let dead = loop {
        let events = client.next("events");
        let list = events.get("events").and_then(Json::as_array).unwrap();
        if let Some(e) = list.iter().find(|e| text(e, "kind") == "deadLetter") {
            break e.clone();
        }
    };
    assert_eq!(text(&dead, "reason"), "UNHANDLED");
    assert_eq!(text(&dead, "messageType"), "InspectorMessage");
    assert_eq!(text(&dead, "message"), "InspectorMessage");
    assert_eq!(text(&dead, "to"), id_text(busy.id()));

    // Stop, on the other loop: a stopped event, and the actor leaves the snapshots.
    client.send(&format!(
        r#"{{"type":"stop","ref":5,"actor":"{}"}}"#,
        id_text(fragile.id())
    ));
    assert_eq!(text(&client.answer(5), "type"), "ok");
    loop {
        let events = client.next("events");
        let list = events.get("events").and_then(Json::as_array).unwrap();
        if list.iter().any(|e| text(e, "kind") == "stopped") {
            break;
        }
    }
    loop {
        if actor(&client.next("snapshot"), "fragile").is_none() {
            break;
        }
    }
    client.send(&format!(
        r#"{{"type":"stop","ref":6,"actor":"{}"}}"#,
        id_text(fragile.id())
    ));
    let again = client.answer(6);
    assert_eq!(text(&again, "type"), "error");
    assert_eq!(text(&again, "code"), "ACTOR_STOPPED");

    // Unwatch: the pushes stop.
    client.send(r#"{"type":"unwatch","ref":7}"#);
    assert_eq!(text(&client.answer(7), "type"), "ok");
    client.send(r#"{"type":"snapshot","ref":8}"#);
    let _ = client.next("snapshot");
    client
        .stream
        .set_read_timeout(Some(Duration::from_millis(400)))
        .unwrap();
    let mut buf = [0; 1];
    // Whatever was already on its way may arrive; then nothing more.
    std::thread::sleep(Duration::from_millis(300));
    while matches!(client.stream.read(&mut buf), Ok(n) if n > 0) {}
    client.buffer.clear();
    assert!(
        matches!(client.stream.read(&mut buf), Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "nothing is pushed after unwatch"
    );
    engine.shutdown_and_join();
}

#[test]
fn bad_frames_get_error_frames_and_the_connection_keeps_serving() {
    let (engine, busy, _) = engine(InspectorOptions::new(0));
    let mut client = Client::connect(engine.inspector_addr().unwrap());
    client.next("hello");
    let still_serving = |client: &mut Client, reference: u64| {
        client.send(&format!(r#"{{"type":"unwatch","ref":{reference}}}"#));
        assert_eq!(text(&client.answer(reference), "type"), "ok");
    };

    let errors = [
        ("{nope".as_bytes().to_vec(), "MALFORMED_FRAME", None),
        (
            br#"{"type":"dance","ref":9}"#.to_vec(),
            "UNKNOWN_COMMAND",
            Some(9.0),
        ),
        (br#"{"ref":10}"#.to_vec(), "MALFORMED_FRAME", Some(10.0)),
        (
            br#"{"type":"stop","ref":11}"#.to_vec(),
            "INVALID_ARGUMENT",
            Some(11.0),
        ),
        (
            br#"{"type":"stop","ref":12,"actor":"5.0.0"}"#.to_vec(),
            "NO_SUCH_ACTOR",
            Some(12.0),
        ),
        (
            b"{\"type\":\"send\",\"text\":\"\xff\"}".to_vec(),
            "MALFORMED_FRAME",
            None,
        ),
        (
            format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(),
            "MALFORMED_FRAME",
            None,
        ),
        (
            format!(
                r#"{{"type":"send","actor":"0.1.0","text":"{}"}}"#,
                "x".repeat(200_000)
            )
            .into_bytes(),
            "MALFORMED_FRAME",
            None,
        ),
    ];
    for (i, (frame, code, reference)) in errors.into_iter().enumerate() {
        client.send_frame(0x81, &frame);
        let error = client.next("error");
        assert_eq!(text(&error, "code"), code, "frame {i}: {error}");
        assert_eq!(
            error.get("ref").and_then(Json::as_f64),
            reference,
            "frame {i}"
        );
        still_serving(&mut client, 100 + i as u64);
    }

    // A binary message is not part of the protocol.
    client.send_frame(0x82, b"\x00\x01");
    assert_eq!(text(&client.next("error"), "code"), "MALFORMED_FRAME");
    still_serving(&mut client, 200);

    // A command split over three fragments, with a ping between them.
    let command = format!(
        r#"{{"type":"send","ref":201,"actor":"{}","text":"fragmented"}}"#,
        id_text(busy.id())
    );
    let (a, rest) = command.as_bytes().split_at(10);
    let (b, c) = rest.split_at(20);
    client.send_frame(0x01, a);
    client.send_frame(0x00, b);
    client.send_frame(0x89, b"are you there");
    client.send_frame(0x80, c);
    let (op, payload) = client.frame().unwrap();
    assert_eq!(
        (op, payload.as_slice()),
        (0xA, &b"are you there"[..]),
        "pong"
    );
    assert_eq!(text(&client.answer(201), "type"), "ok");

    // A close: answered with a close, then the connection ends.
    client.send_frame(0x88, &1000u16.to_be_bytes());
    let (op, payload) = client.frame().unwrap();
    assert_eq!((op, &payload[..2]), (0x8, &1000u16.to_be_bytes()[..]));
    assert_eq!(client.frame(), None);
    engine.shutdown_and_join();
}

#[test]
fn protocol_violations_close_the_connection() {
    let (engine, _, _) = engine(InspectorOptions::new(0));
    let addr = engine.inspector_addr().unwrap();
    let close_code = |client: &mut Client| loop {
        match client.frame() {
            Some((0x8, payload)) => return u16::from_be_bytes([payload[0], payload[1]]),
            Some(_) => continue,
            None => panic!("closed without a close frame"),
        }
    };

    // An unmasked frame.
    let mut client = Client::connect(addr);
    client.stream.write_all(b"\x81\x02hi").unwrap();
    assert_eq!(close_code(&mut client), 1002);
    assert_eq!(client.frame(), None);

    // A message over 1 MiB, refused from its header.
    let mut client = Client::connect(addr);
    let mut header = vec![0x81, 0x80 | 127];
    header.extend_from_slice(&(2u64 << 20).to_be_bytes());
    header.extend_from_slice(&[0; 4]);
    client.stream.write_all(&header).unwrap();
    assert_eq!(close_code(&mut client), 1009);

    // A continuation with nothing to continue.
    let mut client = Client::connect(addr);
    client.send_frame(0x80, b"x");
    assert_eq!(close_code(&mut client), 1002);

    // The endpoint still takes new clients.
    let mut client = Client::connect(addr);
    client.send(r#"{"type":"snapshot"}"#);
    client.next("snapshot");
    engine.shutdown_and_join();
}

#[test]
fn several_clients_watch_at_once() {
    let (engine, busy, _) = engine(InspectorOptions::new(0));
    let addr = engine.inspector_addr().unwrap();
    let mut clients: Vec<Client> = (0..3).map(|_| Client::connect(addr)).collect();
    for (i, client) in clients.iter_mut().enumerate() {
        client.next("hello");
        client.send(&format!(r#"{{"type":"watch","ref":{i},"intervalMs":50}}"#));
        assert_eq!(text(&client.answer(i as u64), "type"), "ok");
    }
    for client in &mut clients {
        for _ in 0..3 {
            client.next("snapshot");
        }
    }
    // One leaves; the others go on, and see what happens.
    drop(clients.remove(0));
    let h = engine.handle();
    let extra = h
        .spawn_with(SpawnOptions::new().name("late"), || Busy)
        .wait()
        .unwrap();
    h.tell(&busy, Work).unwrap();
    for client in &mut clients {
        loop {
            let events = client.next("events");
            let list = events.get("events").and_then(Json::as_array).unwrap();
            if list
                .iter()
                .any(|e| e.get("id").and_then(Json::as_str) == Some(id_text(extra.id()).as_str()))
            {
                break;
            }
        }
        assert!(actor(&client.next("snapshot"), "late").is_some());
    }
    engine.shutdown_and_join();
}

#[test]
fn the_endpoint_binds_loopback_only_unless_exposed() {
    // Off by default.
    let plain = Engine::builder().loops(1).start().unwrap();
    assert_eq!(plain.inspector_addr(), None);
    plain.shutdown_and_join();

    let any: SocketAddr = "0.0.0.0:0".parse().unwrap();
    let err = Engine::builder()
        .loops(1)
        .inspector_with(InspectorOptions::new(0).address(any))
        .start()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("expose_beyond_loopback"), "{err}");

    let exposed = Engine::builder()
        .loops(1)
        .inspector_with(
            InspectorOptions::new(0)
                .address(any)
                .expose_beyond_loopback(true),
        )
        .start()
        .unwrap();
    let addr = exposed.inspector_addr().unwrap();
    assert!(addr.ip().is_unspecified());
    let mut client = Client::connect(SocketAddr::from(([127, 0, 0, 1], addr.port())));
    client.next("hello");
    exposed.shutdown_and_join();
}

#[test]
fn pages_of_other_sites_and_plain_http_are_refused() {
    let (engine, _, _) = engine(InspectorOptions::new(0).allow_origin("https://inspector.example"));
    let addr = engine.inspector_addr().unwrap();
    let refused = Client::connect_with(addr, "Origin: https://evil.example\r\n").err();
    assert_eq!(refused.as_deref(), Some("HTTP/1.1 403 Forbidden"));
    for origin in [
        "http://127.0.0.1:8080",
        "http://localhost",
        "https://inspector.example",
    ] {
        let mut client = Client::connect_with(addr, &format!("Origin: {origin}\r\n"))
            .unwrap_or_else(|status| panic!("{origin}: {status}"));
        client.next("hello");
    }
    let mut plain = TcpStream::connect(addr).unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    plain.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 426 "), "{response}");
    engine.shutdown_and_join();
}
