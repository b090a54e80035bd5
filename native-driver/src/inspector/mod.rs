//! The inspector endpoint: the inspector protocol (`docs/inspector-protocol.md`) over
//! WebSocket, for every loop of an engine at once. Off unless
//! [`EngineBuilder::inspector`](crate::EngineBuilder::inspector) turns it on.
//!
//! ```
//! use backstage_native_driver::Engine;
//!
//! let engine = Engine::builder().loops(2).inspector(0).start().unwrap(); // 0: any free port
//! let addr = engine.inspector_addr().unwrap();
//! assert!(addr.ip().is_loopback());
//! println!("inspector: ws://{addr}/");
//! engine.shutdown_and_join();
//! ```
//!
//! The endpoint is one thread of its own (its loops keep running actors while it encodes JSON
//! or waits for a slow client) with its own poller. It binds 127.0.0.1 unless told otherwise
//! ([`InspectorOptions::address`] plus the explicit
//! [`InspectorOptions::expose_beyond_loopback`]), and it refuses browser pages of other sites
//! (an `Origin` that is not on this machine, unless [allowed](InspectorOptions::allow_origin)),
//! so a web page cannot stop your actors.
//!
//! Each loop keeps a core [`Inspector`] (created on the first request). Snapshots are taken on
//! every loop at once and merged; the event feed is attached while at least one client
//! watches and detached when none does, so an unwatched engine pays nothing for it. While
//! someone watches, the endpoint collects the loops' events every 100 ms and pushes them as one
//! `events` frame (none when nothing happened), and each watcher gets a snapshot every
//! `intervalMs`. `stop` and `send` go to the loop that owns the actor.
//!
//! WebSocket details: text frames carry the JSON; fragmented messages are reassembled (up to
//! 1 MiB, else the connection closes with 1009); pings are answered; binary messages, invalid
//! UTF-8 and anything the protocol cannot read get an `error` frame and the connection keeps
//! serving; violations of RFC 6455 itself (unmasked frames, reserved bits, bad control frames)
//! close it with 1002. A client whose unread output passes 8 MiB misses pushes (counted in the
//! next `events` frame's `dropped`); past 64 MiB it is disconnected.

mod sha1;
mod websocket;

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant as StdInstant};

use backstage_core::inspect::json::Limits;
use backstage_core::inspect::protocol::{self, Command, ErrorKind, ProtocolError, Request};
use backstage_core::inspect::{EventBatch, Inspector, InspectorConfig, Snapshot};
use backstage_core::DeadLetter;
use polling::{Event, Events, Poller};

use crate::event_loop::{lock, LoopState};
use crate::handle::Shared;
use crate::io::Registered;
use crate::oneshot::{self, Reply};

use websocket::{
    Frame, FrameError, Handshake, CLOSE_GOING_AWAY, CLOSE_NORMAL, CLOSE_PROTOCOL_ERROR,
    CLOSE_TOO_BIG, OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT,
};

type RedactFn = dyn Fn(&DeadLetter) -> Option<String> + Send + Sync;

/// How the inspector endpoint is set up (see [`EngineBuilder::inspector_with`](crate::EngineBuilder::inspector_with)).
#[derive(Clone)]
pub struct InspectorOptions {
    addr: SocketAddr,
    expose: bool,
    retention: usize,
    redact: Option<Arc<RedactFn>>,
    origins: Vec<String>,
    max_clients: usize,
}

impl fmt::Debug for InspectorOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InspectorOptions")
            .field("addr", &self.addr)
            .field("expose", &self.expose)
            .field("retention", &self.retention)
            .field("redact", &self.redact.is_some())
            .field("origins", &self.origins)
            .field("max_clients", &self.max_clients)
            .finish()
    }
}

impl InspectorOptions {
    /// Serves on 127.0.0.1:`port` (0: a free port, see
    /// [`Engine::inspector_addr`](crate::Engine::inspector_addr)); 1,024 events retained per
    /// loop between two collections; dead letters show their message's type only; at most 32
    /// clients.
    pub fn new(port: u16) -> Self {
        InspectorOptions {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            expose: false,
            retention: 1024,
            redact: None,
            origins: Vec::new(),
            max_clients: 32,
        }
    }

    /// Serves on `addr`. An address that is not loopback is refused when the engine starts
    /// unless [`expose_beyond_loopback`](InspectorOptions::expose_beyond_loopback) is set.
    pub fn address(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Allows an [`address`](InspectorOptions::address) that other machines can reach. The
    /// endpoint has no authentication: anyone who reaches it can stop actors and send them
    /// messages, and sees the names and types of everything running.
    pub fn expose_beyond_loopback(mut self, yes: bool) -> Self {
        self.expose = yes;
        self
    }

    /// Events each loop keeps between two collections (every 100 ms while watched) before
    /// dropping the oldest.
    pub fn retention(mut self, events: usize) -> Self {
        self.retention = events;
        self
    }

    /// The text shown for a dead letter's message (`None`: masked); see
    /// [`InspectorConfig::redact`]. Runs on the loop threads.
    pub fn redact(
        mut self,
        hook: impl Fn(&DeadLetter) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.redact = Some(Arc::new(hook));
        self
    }

    /// Accepts WebSocket connections from pages of `origin` (e.g. `"https://inspector.example"`),
    /// besides pages served from this machine and clients that send no `Origin`.
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.origins.push(origin.into());
        self
    }

    /// How many clients may be connected at once; more are answered 503.
    pub fn max_clients(mut self, clients: usize) -> Self {
        self.max_clients = clients.max(1);
        self
    }
}

/// Binds the endpoint's socket, refusing non-loopback addresses without the opt-in.
pub(crate) fn bind(options: &InspectorOptions) -> io::Result<TcpListener> {
    if !options.addr.ip().is_loopback() && !options.expose {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the inspector endpoint serves loopback addresses only: refusing to bind {} \
                 without InspectorOptions::expose_beyond_loopback(true)",
                options.addr
            ),
        ));
    }
    let listener = TcpListener::bind(options.addr)?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Starts the endpoint's thread, serving `listener` for the loops of `shared`.
pub(crate) fn spawn(
    listener: TcpListener,
    shared: Arc<Shared>,
    options: InspectorOptions,
) -> io::Result<JoinHandle<()>> {
    let poller = Arc::new(Poller::new()?);
    let listener = Registered::new(&poller, listener, LISTENER)?;
    lock(&shared.wakers).push(poller.clone());
    let settings = Arc::new(Settings {
        retention: options.retention,
        redact: options.redact,
    });
    let server = Server {
        listener,
        poller,
        shared,
        settings,
        origins: Arc::new(options.origins),
        max_clients: options.max_clients,
        clients: Vec::new(),
        free: Vec::new(),
        connected: 0,
        watchers: 0,
        next_events: None,
        limits: Limits::default(),
    };
    std::thread::Builder::new()
        .name("backstage-inspector".into())
        .spawn(move || server.run())
}

/// What every loop needs to build its inspector.
struct Settings {
    retention: usize,
    redact: Option<Arc<RedactFn>>,
}

impl Settings {
    fn config(&self) -> InspectorConfig {
        let config = InspectorConfig::new().retention(self.retention);
        match &self.redact {
            Some(redact) => {
                let redact = redact.clone();
                config.redact(move |letter| redact(letter))
            }
            None => config,
        }
    }
}

fn loop_inspector<'a>(
    inspector: &'a mut Option<Inspector>,
    settings: &Settings,
) -> &'a mut Inspector {
    inspector.get_or_insert_with(|| Inspector::new(settings.config()))
}

/// The poller key of the listener; a client's key is its slot + 1.
const LISTENER: usize = 0;
/// How long to wait for a loop's answer (a loop answers between two runs of its system).
const LOOP_TIMEOUT: Duration = Duration::from_secs(2);
/// How often events are collected while someone watches.
const EVENTS_EVERY: Duration = Duration::from_millis(100);
/// A client must finish its handshake within this.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest WebSocket message (also across fragments).
const MAX_MESSAGE: usize = 1024 * 1024;
/// Unread output past which a client misses pushes.
const PUSH_BACKLOG: usize = 8 * 1024 * 1024;
/// Unread output past which a client is disconnected.
const MAX_BACKLOG: usize = 64 * 1024 * 1024;
/// Bytes read from one client per readiness event.
const READ_BUDGET: usize = 256 * 1024;

/// What a client's bytes amounted to.
enum Incoming {
    /// The handshake succeeded: send this response, then `hello`.
    Upgraded(Vec<u8>),
    /// The handshake failed: send this response and close.
    Refused(Vec<u8>),
    /// A complete text message.
    Text(Vec<u8>),
    /// A complete binary message.
    Binary,
    Ping(Vec<u8>),
    /// The client closes, with this status code (if it gave one).
    Close(Option<u16>),
    /// The client broke the protocol: close with this code.
    Fail(u16, &'static str),
}

struct Watch {
    interval: Duration,
    next: StdInstant,
}

struct Client {
    stream: Registered<TcpStream>,
    /// The handshake is done.
    open: bool,
    /// Close once the output is written (no more reading).
    closing: bool,
    /// The peer is gone (end of stream or an error).
    dead: bool,
    accepted: StdInstant,
    input: Vec<u8>,
    output: Vec<u8>,
    written: usize,
    /// A fragmented message being reassembled: its opcode and what came so far.
    fragments: Option<(u8, Vec<u8>)>,
    watch: Option<Watch>,
    /// Events this client missed while its output was backed up.
    lost_events: u64,
}

impl Client {
    fn backlog(&self) -> usize {
        self.output.len() - self.written
    }

    fn send_frame(&mut self, opcode: u8, payload: &[u8]) {
        websocket::write_frame(&mut self.output, opcode, payload);
    }

    fn close_with(&mut self, code: u16, reason: &str) {
        if !self.closing {
            websocket::write_close(&mut self.output, code, reason);
            self.closing = true;
        }
    }

    /// Writes what the socket takes now.
    fn flush(&mut self) {
        while self.written < self.output.len() {
            match (&*self.stream).write(&self.output[self.written..]) {
                Ok(0) => {
                    self.dead = true;
                    break;
                }
                Ok(n) => self.written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    self.dead = true;
                    break;
                }
            }
        }
        if self.written == self.output.len() {
            self.output.clear();
            self.written = 0;
        } else if self.written > 64 * 1024 {
            self.output.drain(..self.written);
            self.written = 0;
        }
    }

    /// Turns the input read so far into handshakes and messages.
    fn parse(&mut self, origin_allowed: &dyn Fn(&str) -> bool, out: &mut Vec<Incoming>) {
        if !self.open {
            match websocket::handshake(&self.input, origin_allowed) {
                Handshake::Incomplete => return,
                Handshake::Reject { response } => {
                    out.push(Incoming::Refused(response));
                    self.input.clear();
                    return;
                }
                Handshake::Upgrade { response, consumed } => {
                    self.input.drain(..consumed);
                    self.open = true;
                    out.push(Incoming::Upgraded(response));
                }
            }
        }
        let mut used = 0;
        while !self.closing {
            let frame = match websocket::parse_frame(&self.input[used..], MAX_MESSAGE) {
                Ok(None) => break,
                Ok(Some((frame, n))) => {
                    used += n;
                    frame
                }
                Err(FrameError::TooBig) => {
                    out.push(Incoming::Fail(CLOSE_TOO_BIG, "message too big"));
                    break;
                }
                Err(FrameError::Protocol(why)) => {
                    out.push(Incoming::Fail(CLOSE_PROTOCOL_ERROR, why));
                    break;
                }
            };
            if let Some(incoming) = self.reassemble(frame) {
                let stop = matches!(incoming, Incoming::Close(_) | Incoming::Fail(..));
                out.push(incoming);
                if stop {
                    break;
                }
            }
        }
        self.input.drain(..used);
    }

    fn reassemble(&mut self, frame: Frame) -> Option<Incoming> {
        let Frame {
            fin,
            opcode,
            payload,
        } = frame;
        match opcode {
            OP_PING => Some(Incoming::Ping(payload)),
            OP_PONG => None,
            OP_CLOSE => Some(Incoming::Close(
                (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]])),
            )),
            OP_TEXT | OP_BINARY if self.fragments.is_some() => Some(Incoming::Fail(
                CLOSE_PROTOCOL_ERROR,
                "a new message inside a fragmented one",
            )),
            OP_TEXT | OP_BINARY if !fin => {
                self.fragments = Some((opcode, payload));
                None
            }
            OP_TEXT => Some(Incoming::Text(payload)),
            OP_BINARY => Some(Incoming::Binary),
            _ => {
                // OP_CONTINUATION (the only other opcode `parse_frame` lets through).
                debug_assert_eq!(opcode, OP_CONTINUATION);
                let Some((first, mut message)) = self.fragments.take() else {
                    return Some(Incoming::Fail(
                        CLOSE_PROTOCOL_ERROR,
                        "a continuation with nothing to continue",
                    ));
                };
                if message.len() + payload.len() > MAX_MESSAGE {
                    return Some(Incoming::Fail(CLOSE_TOO_BIG, "message too big"));
                }
                message.extend_from_slice(&payload);
                if !fin {
                    self.fragments = Some((first, message));
                    return None;
                }
                Some(if first == OP_TEXT {
                    Incoming::Text(message)
                } else {
                    Incoming::Binary
                })
            }
        }
    }
}

struct Server {
    listener: Registered<TcpListener>,
    poller: Arc<Poller>,
    shared: Arc<Shared>,
    settings: Arc<Settings>,
    origins: Arc<Vec<String>>,
    max_clients: usize,
    clients: Vec<Option<Client>>,
    free: Vec<usize>,
    connected: usize,
    /// Clients watching (the loops' feeds are attached while this is not 0).
    watchers: usize,
    next_events: Option<StdInstant>,
    limits: Limits,
}

impl Server {
    fn run(mut self) {
        let mut events = Events::new();
        while !self.shared.is_shutting_down() {
            let timeout = self
                .next_deadline()
                .map(|at| at.saturating_duration_since(StdInstant::now()));
            events.clear();
            if let Err(e) = self.poller.wait(&mut events, timeout) {
                if e.kind() != io::ErrorKind::Interrupted {
                    eprintln!("backstage inspector: poller failed ({e}); endpoint stopped");
                    break;
                }
            }
            let ready: Vec<Event> = events.iter().collect();
            for event in ready {
                if event.key == LISTENER {
                    self.accept();
                    let _ = self.listener.modify(Event::readable(LISTENER));
                } else {
                    self.on_ready(event.key - 1, event.readable, event.writable);
                }
            }
            self.tick(StdInstant::now());
        }
        self.close_all();
    }

    fn next_deadline(&self) -> Option<StdInstant> {
        let mut next = self.next_events;
        for client in self.clients.iter().flatten() {
            let at = match (&client.watch, client.open) {
                (Some(watch), _) => watch.next,
                (None, false) => client.accepted + HANDSHAKE_TIMEOUT,
                (None, true) => continue,
            };
            next = Some(next.map_or(at, |n| n.min(at)));
        }
        next
    }

    fn accept(&mut self) {
        loop {
            let (stream, _) = match self.listener.accept() {
                Ok(accepted) => accepted,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // WouldBlock, or a transient failure (EMFILE, …): try again on the next event.
                Err(_) => return,
            };
            if self.connected >= self.max_clients {
                let mut stream = stream;
                let _ = stream.set_nonblocking(true);
                let _ = stream.write_all(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            }
            if stream.set_nonblocking(true).is_err() {
                continue;
            }
            let _ = stream.set_nodelay(true);
            let slot = self.free.pop().unwrap_or_else(|| {
                self.clients.push(None);
                self.clients.len() - 1
            });
            let Ok(stream) = Registered::new(&self.poller, stream, slot + 1) else {
                self.free.push(slot);
                continue;
            };
            self.clients[slot] = Some(Client {
                stream,
                open: false,
                closing: false,
                dead: false,
                accepted: StdInstant::now(),
                input: Vec::new(),
                output: Vec::new(),
                written: 0,
                fragments: None,
                watch: None,
                lost_events: 0,
            });
            self.connected += 1;
        }
    }

    fn client(&mut self, slot: usize) -> Option<&mut Client> {
        self.clients.get_mut(slot)?.as_mut()
    }

    fn on_ready(&mut self, slot: usize, readable: bool, writable: bool) {
        if writable {
            if let Some(client) = self.client(slot) {
                client.flush();
            }
        }
        if readable {
            self.read(slot);
        }
        self.settle(slot);
    }

    fn read(&mut self, slot: usize) {
        let origins = self.origins.clone();
        let allowed = move |origin: &str| {
            websocket::is_loopback_origin(origin) || origins.iter().any(|o| o == origin)
        };
        let mut buf = [0u8; 16 * 1024];
        let mut budget = READ_BUDGET;
        let mut incoming = Vec::new();
        loop {
            let Some(client) = self.client(slot) else {
                return;
            };
            if client.closing || client.dead {
                return;
            }
            match (&*client.stream).read(&mut buf) {
                Ok(0) => client.dead = true,
                Ok(n) => {
                    client.input.extend_from_slice(&buf[..n]);
                    client.parse(&allowed, &mut incoming);
                    budget = budget.saturating_sub(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(_) => client.dead = true,
            }
            for message in incoming.drain(..) {
                self.handle(slot, message);
            }
            if budget == 0 || self.client(slot).is_none_or(|c| c.dead) {
                return;
            }
        }
    }

    /// After handling a client: removes it if it is done, or re-arms its registration.
    fn settle(&mut self, slot: usize) {
        let Some(client) = self.client(slot) else {
            return;
        };
        client.flush();
        let done = client.dead
            || (client.closing && client.backlog() == 0)
            || client.backlog() > MAX_BACKLOG;
        if done {
            self.remove(slot);
            return;
        }
        let interest = Event::new(slot + 1, !client.closing, client.backlog() > 0);
        if client.stream.modify(interest).is_err() {
            self.remove(slot);
        }
    }

    fn remove(&mut self, slot: usize) {
        let Some(client) = self.clients.get_mut(slot).and_then(Option::take) else {
            return;
        };
        let _ = client.stream.shutdown(std::net::Shutdown::Both);
        // Dropping the `Registered` deletes the socket from the poller, then closes it.
        drop(client.stream);
        self.connected -= 1;
        self.free.push(slot);
        if client.watch.is_some() {
            self.unwatched();
        }
    }

    fn close_all(&mut self) {
        for slot in 0..self.clients.len() {
            if let Some(client) = self.client(slot) {
                if client.open {
                    client.close_with(CLOSE_GOING_AWAY, "the engine is shutting down");
                    client.flush();
                }
            }
            self.remove(slot);
        }
    }

    fn handle(&mut self, slot: usize, message: Incoming) {
        match message {
            Incoming::Upgraded(response) => {
                let nodes: Vec<u32> = (0..self.shared.loops.len() as u32)
                    .map(|i| self.shared.node_base + i)
                    .collect();
                let hello = protocol::hello("native", &nodes);
                if let Some(client) = self.client(slot) {
                    client.output.extend_from_slice(&response);
                    client.send_frame(OP_TEXT, hello.as_bytes());
                }
            }
            Incoming::Refused(response) => {
                if let Some(client) = self.client(slot) {
                    client.output.extend_from_slice(&response);
                    client.closing = true;
                }
            }
            Incoming::Text(text) => self.command(slot, &text),
            Incoming::Binary => {
                let error = ProtocolError::new(
                    None,
                    ErrorKind::Runtime {
                        code: "MALFORMED_FRAME",
                        message: "binary messages are not part of the protocol: send JSON text"
                            .into(),
                    },
                );
                self.send_text(slot, &error.to_json());
            }
            Incoming::Ping(payload) => {
                if let Some(client) = self.client(slot) {
                    client.send_frame(OP_PONG, &payload);
                }
            }
            Incoming::Close(code) => {
                if let Some(client) = self.client(slot) {
                    // Echo the status (RFC 6455 §5.5.1), then close once it is written.
                    let code = code
                        .filter(|c| (1000..5000).contains(c))
                        .unwrap_or(CLOSE_NORMAL);
                    client.close_with(code, "");
                }
            }
            Incoming::Fail(code, reason) => {
                if let Some(client) = self.client(slot) {
                    client.close_with(code, reason);
                }
            }
        }
    }

    fn send_text(&mut self, slot: usize, text: &str) {
        if let Some(client) = self.client(slot) {
            client.send_frame(OP_TEXT, text.as_bytes());
            client.flush();
        }
    }

    fn command(&mut self, slot: usize, text: &[u8]) {
        let command = match Command::decode(text, &self.limits) {
            Ok(command) => command,
            Err(error) => return self.send_text(slot, &error.to_json()),
        };
        let reference = command.reference;
        match command.request {
            Request::Snapshot => {
                let snapshot = self.snapshot();
                self.send_text(slot, &snapshot.to_json());
            }
            Request::Watch { interval } => {
                let Some(client) = self.client(slot) else {
                    return;
                };
                let first = client.watch.is_none();
                client.watch = Some(Watch {
                    interval,
                    // The first snapshot right after the `ok`.
                    next: StdInstant::now(),
                });
                if first {
                    self.watchers += 1;
                    if self.watchers == 1 {
                        self.set_feeds(true);
                    }
                }
                self.send_text(slot, &protocol::ok(reference));
            }
            Request::Unwatch => {
                if self.client(slot).and_then(|c| c.watch.take()).is_some() {
                    self.unwatched();
                }
                self.send_text(slot, &protocol::ok(reference));
            }
            request @ (Request::Stop { .. } | Request::Send { .. }) => {
                let answer = match self.apply(request) {
                    Ok(()) => protocol::ok(reference),
                    Err(kind) => ProtocolError::new(reference, kind).to_json(),
                };
                self.send_text(slot, &answer);
            }
        }
    }

    fn unwatched(&mut self) {
        self.watchers -= 1;
        if self.watchers == 0 {
            self.set_feeds(false);
        }
    }

    /// Attaches every loop's event feed (`on`) or detaches it.
    fn set_feeds(&mut self, on: bool) {
        self.next_events = on.then(|| StdInstant::now() + EVENTS_EVERY);
        for index in 0..self.shared.loops.len() {
            let settings = self.settings.clone();
            // Not waited for: each loop takes its commands in order, so a later collection
            // sees the feed in its new state.
            drop(on_loop(&self.shared, index, move |lp| {
                let inspector = loop_inspector(&mut lp.inspector, &settings);
                if on {
                    inspector.attach(&mut lp.system);
                } else {
                    inspector.detach(&mut lp.system);
                    drop(inspector.take_events());
                }
            }));
        }
    }

    /// One snapshot of every loop, merged.
    fn snapshot(&self) -> Snapshot {
        let replies: Vec<Reply<Snapshot>> = (0..self.shared.loops.len())
            .map(|index| {
                let settings = self.settings.clone();
                on_loop(&self.shared, index, move |lp| {
                    let now = lp.now();
                    loop_inspector(&mut lp.inspector, &settings).snapshot(&lp.system, now)
                })
            })
            .collect();
        Snapshot::merge(
            replies
                .into_iter()
                .filter_map(|reply| reply.wait_timeout(LOOP_TIMEOUT).ok()),
        )
    }

    /// Every loop's events since the last collection, in time order.
    fn events(&self) -> EventBatch {
        let replies: Vec<Reply<EventBatch>> = (0..self.shared.loops.len())
            .map(|index| {
                on_loop(&self.shared, index, |lp| {
                    lp.inspector
                        .as_mut()
                        .map(Inspector::take_events)
                        .unwrap_or_default()
                })
            })
            .collect();
        let mut batch = EventBatch::default();
        for reply in replies {
            if let Ok(part) = reply.wait_timeout(LOOP_TIMEOUT) {
                batch.extend(part);
            }
        }
        batch.sort_by_time();
        batch
    }

    /// Carries out `stop` or `send` on the loop that owns the actor.
    fn apply(&self, request: Request) -> Result<(), ErrorKind> {
        let actor = match &request {
            Request::Stop { actor } | Request::Send { actor, .. } => *actor,
            _ => return Ok(()),
        };
        let index = actor.node().0.wrapping_sub(self.shared.node_base) as usize;
        if index >= self.shared.loops.len() {
            return Err(ErrorKind::Send(backstage_core::SendError::NoSuchActor(
                actor,
            )));
        }
        let reply = on_loop(&self.shared, index, move |lp| {
            Inspector::apply(&mut lp.system, &request)
        });
        match reply.wait_timeout(LOOP_TIMEOUT) {
            Ok(result) => result,
            Err(e) => Err(ErrorKind::Runtime {
                code: e.code(),
                message: e.to_string(),
            }),
        }
    }

    /// Pushes what is due to the watchers, and drops handshakes that took too long.
    fn tick(&mut self, now: StdInstant) {
        for slot in 0..self.clients.len() {
            if let Some(client) = self.client(slot) {
                if !client.open && !client.closing && now >= client.accepted + HANDSHAKE_TIMEOUT {
                    self.remove(slot);
                }
            }
        }
        if self.next_events.is_some_and(|at| now >= at) {
            self.next_events = Some(now + EVENTS_EVERY);
            let batch = self.events();
            self.push_events(batch);
        }
        let due = self
            .clients
            .iter()
            .flatten()
            .any(|c| c.watch.as_ref().is_some_and(|w| now >= w.next));
        if !due {
            return;
        }
        let snapshot = self.snapshot().to_json();
        for slot in 0..self.clients.len() {
            let Some(client) = self.client(slot) else {
                continue;
            };
            let Some(watch) = client.watch.as_mut().filter(|w| now >= w.next) else {
                continue;
            };
            watch.next += watch.interval;
            if watch.next <= now {
                watch.next = now + watch.interval;
            }
            if client.backlog() <= PUSH_BACKLOG {
                client.send_frame(OP_TEXT, snapshot.as_bytes());
            }
            self.settle(slot);
        }
    }

    fn push_events(&mut self, batch: EventBatch) {
        let shared_json = (!batch.is_empty()).then(|| batch.to_json());
        for slot in 0..self.clients.len() {
            let Some(client) = self.client(slot) else {
                continue;
            };
            if client.watch.is_none() {
                continue;
            }
            if client.backlog() > PUSH_BACKLOG {
                client.lost_events += batch.events.len() as u64 + batch.dropped;
                continue;
            }
            if client.lost_events > 0 {
                let own = EventBatch {
                    events: batch.events.clone(),
                    dropped: batch.dropped + std::mem::take(&mut client.lost_events),
                };
                client.send_frame(OP_TEXT, own.to_json().as_bytes());
            } else if let Some(json) = &shared_json {
                client.send_frame(OP_TEXT, json.as_bytes());
            } else {
                continue;
            }
            self.settle(slot);
        }
    }
}

/// Runs `f` on loop `index` between two runs of its system; its answer comes back through the
/// reply (an error at once if the engine is shutting down).
fn on_loop<R: Send + 'static>(
    shared: &Shared,
    index: usize,
    f: impl FnOnce(&mut LoopState) -> R + Send + 'static,
) -> Reply<R> {
    if shared.is_shutting_down() {
        return oneshot::ready(Err(crate::EngineError::ShutDown));
    }
    let (tx, rx) = oneshot::channel();
    shared.loops[index].push(Box::new(move |lp| tx.send(Ok(f(lp)))));
    rx
}
