//! Sockets as message sources: an actor hands a socket to its loop and receives what arrives
//! on it as messages.
//!
//! An actor running on a loop registers a socket it owns with [`register_listener`],
//! [`register_stream`] or [`register_udp`] (from one of its hooks or handlers). From then on
//! the loop watches the socket in its poller and delivers [`Accepted`] connections,
//! [`TcpEvent`]s or [`Datagram`]s to the owner like any other message, and the owner writes
//! through the cheap handle it got back ([`Connection`], [`UdpEndpoint`], [`Listener`]).
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::{TcpListener, TcpStream};
//!
//! use backstage_core::{Actor, ActorError, Context, Handler, Runtime};
//! use backstage_native_driver::io::{self, Accepted, Connection, Listener, TcpEvent};
//! use backstage_native_driver::Engine;
//!
//! /// Accepts connections and gives each one to an `Echo` child.
//! struct Server {
//!     socket: Option<TcpListener>,
//!     listener: Option<Listener>,
//! }
//! impl Actor for Server {
//!     fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
//!         let socket = self.socket.take().ok_or("no socket to listen on")?;
//!         let listener = io::register_listener(socket, &ctx.me()).map_err(|e| ActorError::from_error(&e))?;
//!         self.listener = Some(listener);
//!         Ok(())
//!     }
//! }
//! impl Handler<Accepted> for Server {
//!     fn handle(&mut self, accepted: Accepted, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
//!         let mut stream = Some(accepted.stream);
//!         ctx.spawn_child(move || Echo { stream: stream.take(), conn: None });
//!         Ok(())
//!     }
//! }
//!
//! /// Writes back whatever it reads, and stops when the peer is done.
//! struct Echo {
//!     stream: Option<TcpStream>,
//!     conn: Option<Connection>,
//! }
//! impl Actor for Echo {
//!     fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
//!         let stream = self.stream.take().ok_or("no stream")?;
//!         self.conn = Some(io::register_stream(stream, &ctx.me()).map_err(|e| ActorError::from_error(&e))?);
//!         Ok(())
//!     }
//! }
//! impl Handler<TcpEvent> for Echo {
//!     fn handle(&mut self, event: TcpEvent, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
//!         match (event, &self.conn) {
//!             (TcpEvent::Data(bytes), Some(conn)) => conn.write(&bytes).map_err(|e| ActorError::from_error(&e))?,
//!             _ => ctx.stop(ctx.id()).map_err(|e| ActorError::from_error(&e))?,
//!         }
//!         Ok(())
//!     }
//! }
//!
//! let socket = TcpListener::bind("127.0.0.1:0").unwrap();
//! let addr = socket.local_addr().unwrap();
//! let engine = Engine::builder().loops(1).start().unwrap();
//! let mut socket = Some(socket);
//! engine.handle().spawn(move || Server { socket: socket.take(), listener: None }).wait().unwrap();
//!
//! let mut client = TcpStream::connect(addr).unwrap();
//! client.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
//! client.write_all(b"ping").unwrap();
//! let mut echo = [0; 4];
//! client.read_exact(&mut echo).unwrap();
//! assert_eq!(&echo, b"ping");
//! engine.shutdown_and_join();
//! ```
//!
//! # Reading, fairness and back pressure
//!
//! Each socket is registered in the loop's poller in oneshot mode and re-armed after it has
//! been handled. On a readiness event the loop reads until the socket would block, but at most
//! 64 KiB (or 64 connections, or 64 datagrams) per socket per event, so one busy peer cannot
//! starve the others or the actors. What it read goes to the owner with
//! [`System::send`], which waits for mailbox space instead of failing: while such a send is
//! parked, the loop stops reading that socket, so a slow owner slows its peer down (through
//! TCP flow control) instead of growing a queue. Nothing already read is dropped, and at the
//! end of a TCP stream the owner gets all the data first, then [`TcpEvent::Closed`].
//!
//! # Writing
//!
//! [`Connection::write`] and [`UdpEndpoint::send_to`] write what the kernel takes now and
//! queue the rest, which the loop writes when the socket becomes writable: writes are never
//! lost while the socket lives. The queue is not bounded; an owner that produces faster than
//! its peer reads can watch [`Connection::queued`].
//!
//! # Ownership and closing
//!
//! A socket belongs to the actor that owns it (its id: it survives restarts). [`TcpEvent`]s
//! and [`Datagram`]s do not say which socket they come from, so give each connection and UDP
//! socket an actor of its own, as the `echo` and `chat` examples do. When the owner stops,
//! the loop tries once more to write what is queued, without waiting, and then closes its
//! sockets. [`Connection::close`] instead closes gracefully: reading stops at once, but the
//! socket stays open (even if the owner stops meanwhile) until its queued writes are out or
//! the peer fails; a peer that never reads keeps it open until engine shutdown, which closes
//! everything. The handles are cheap, `Clone` and bound to their loop's thread (they are not
//! `Send`); dropping one does not close anything.
//!
//! Registering only works on a loop thread, for an owner on that same loop; elsewhere the
//! functions return an [`io::Error`] (they never panic).

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsFd, AsRawFd};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Waker};

use backstage_core::{ActorId, Addr, Handler, Message, Runtime, SendError, SendFuture, System};
use polling::{Event, Poller};

use crate::event_loop::with_current;

/// Bytes read from one socket per readiness event (and the size of the read buffer, which
/// must hold the largest UDP datagram).
const READ_BUDGET: usize = 64 * 1024;
/// Connections accepted, or datagrams received, per readiness event.
const COUNT_BUDGET: usize = 64;
/// Sent bytes at the front of a write queue worth compacting away.
const COMPACT_AFTER: usize = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/// A connection accepted by a [`Listener`], delivered to the listener's owner.
///
/// The stream is a plain (blocking) [`TcpStream`]: hand it to an actor that registers it with
/// [`register_stream`], or use it any other way.
#[derive(Debug)]
pub struct Accepted {
    /// The new connection.
    pub stream: TcpStream,
    /// Who connected.
    pub peer: SocketAddr,
}

impl Message for Accepted {
    type Reply = ();
}

/// What happened on a registered TCP stream, delivered to its owner in order.
#[derive(Debug)]
pub enum TcpEvent {
    /// Bytes read from the peer (never empty), in the order they arrived.
    Data(Vec<u8>),
    /// The last event of a connection: the peer finished sending (`error: None`, after all its
    /// data), or the connection failed (`error: Some`, and the socket is closed).
    ///
    /// After a clean end the socket stays open for writing (the peer may still read) until
    /// the owner calls [`Connection::close`] or stops. Not sent after [`Connection::close`].
    Closed {
        /// Why the connection failed, if it did.
        error: Option<io::Error>,
    },
}

impl Message for TcpEvent {
    type Reply = ();
}

/// A UDP datagram received by a registered [`UdpEndpoint`], delivered to its owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram {
    /// Its payload (possibly empty).
    pub data: Vec<u8>,
    /// Who sent it.
    pub from: SocketAddr,
}

impl Message for Datagram {
    type Reply = ();
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

/// Starts accepting connections on `listener`: each one reaches `owner` as an [`Accepted`].
///
/// Call it on a loop thread (from an actor's hook or handler), for an owner on that loop,
/// usually the calling actor itself (`&ctx.me()`). The listener is closed when the owner
/// stops or [`Listener::close`] is called. Off a loop thread it fails with
/// [`io::ErrorKind::Other`], for an owner of another loop with
/// [`io::ErrorKind::InvalidInput`]; the socket is then dropped.
///
/// ```
/// # use backstage_core::{Actor, Context, Handler, ActorError, ManualDriver, Runtime};
/// # use backstage_native_driver::io::{self, Accepted};
/// # struct Server;
/// # impl Actor for Server {}
/// # impl Handler<Accepted> for Server {
/// #     fn handle(&mut self, _: Accepted, _: &mut Context<'_, Self>) -> Result<(), ActorError> { Ok(()) }
/// # }
/// # let owner = ManualDriver::default().spawn(|| Server);
/// // Not on a loop thread: an error, not a panic.
/// let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// let err = io::register_listener(socket, &owner).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::Other);
/// ```
pub fn register_listener<A: Handler<Accepted>>(
    listener: TcpListener,
    owner: &Addr<A>,
) -> io::Result<Listener> {
    let io = current_registry(owner.id())?;
    let local = listener.local_addr()?;
    listener.set_nonblocking(true)?;
    let owner = *owner;
    let token = insert(&io, owner.id(), move |poller, key| {
        Ok(Kind::Listener(ListenerState {
            io: Registered::new(poller, listener, key)?,
            deliver: Box::new(move |system, msg| system.send(&owner, msg)),
        }))
    })?;
    Ok(Listener { token, local })
}

/// Starts reading a connected `stream`: what arrives reaches `owner` as [`TcpEvent`]s, and the
/// returned [`Connection`] writes to it.
///
/// Call it on a loop thread, for an owner on that loop (see [`register_listener`] for the
/// errors). The stream is switched to non-blocking mode.
///
/// ```
/// # use backstage_core::{Actor, Context, Handler, ActorError, ManualDriver, Runtime};
/// # use backstage_native_driver::io::{self, TcpEvent};
/// # struct Conn;
/// # impl Actor for Conn {}
/// # impl Handler<TcpEvent> for Conn {
/// #     fn handle(&mut self, _: TcpEvent, _: &mut Context<'_, Self>) -> Result<(), ActorError> { Ok(()) }
/// # }
/// # let owner = ManualDriver::default().spawn(|| Conn);
/// let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// let stream = std::net::TcpStream::connect(server.local_addr().unwrap()).unwrap();
/// // Not on a loop thread: an error, not a panic.
/// assert!(io::register_stream(stream, &owner).is_err());
/// ```
pub fn register_stream<A: Handler<TcpEvent>>(
    stream: TcpStream,
    owner: &Addr<A>,
) -> io::Result<Connection> {
    let io = current_registry(owner.id())?;
    let peer = stream.peer_addr()?;
    let local = stream.local_addr()?;
    stream.set_nonblocking(true)?;
    let owner = *owner;
    let token = insert(&io, owner.id(), move |poller, key| {
        Ok(Kind::Stream(Box::new(StreamState {
            io: Registered::new(poller, stream, key)?,
            deliver: Box::new(move |system, msg| system.send(&owner, msg)),
            reading: true,
            closing: false,
            queue: Vec::new(),
            written: 0,
            broken: None,
        })))
    })?;
    Ok(Connection { token, peer, local })
}

/// Starts receiving on a bound UDP `socket`: each datagram reaches `owner` as a [`Datagram`],
/// and the returned [`UdpEndpoint`] sends from it.
///
/// Call it on a loop thread, for an owner on that loop (see [`register_listener`] for the
/// errors). The socket is switched to non-blocking mode.
///
/// ```
/// # use backstage_core::{Actor, Context, Handler, ActorError, ManualDriver, Runtime};
/// # use backstage_native_driver::io::{self, Datagram};
/// # struct Peer;
/// # impl Actor for Peer {}
/// # impl Handler<Datagram> for Peer {
/// #     fn handle(&mut self, _: Datagram, _: &mut Context<'_, Self>) -> Result<(), ActorError> { Ok(()) }
/// # }
/// # let owner = ManualDriver::default().spawn(|| Peer);
/// let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// // Not on a loop thread: an error, not a panic.
/// assert!(io::register_udp(socket, &owner).is_err());
/// ```
pub fn register_udp<A: Handler<Datagram>>(
    socket: UdpSocket,
    owner: &Addr<A>,
) -> io::Result<UdpEndpoint> {
    let io = current_registry(owner.id())?;
    let local = socket.local_addr()?;
    socket.set_nonblocking(true)?;
    let owner = *owner;
    let token = insert(&io, owner.id(), move |poller, key| {
        Ok(Kind::Udp(Box::new(UdpState {
            io: Registered::new(poller, socket, key)?,
            deliver: Box::new(move |system, msg| system.send(&owner, msg)),
            outbox: VecDeque::new(),
        })))
    })?;
    Ok(UdpEndpoint { token, local })
}

/// This loop's registry, if this is a loop thread and `owner` lives on it.
fn current_registry(owner: ActorId) -> io::Result<Rc<RefCell<IoRegistry>>> {
    let found = with_current(|c| {
        let here = c.handle.loop_of(owner) == Ok(c.index);
        (c.io.clone(), here)
    });
    match found {
        None => Err(io::Error::other(
            "sockets can only be registered on a Backstage loop thread (from an actor's hook or handler)",
        )),
        Some((_, false)) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the owner of a socket must live on the loop that registers it",
        )),
        Some((io, true)) => Ok(io),
    }
}

fn insert(
    io: &Rc<RefCell<IoRegistry>>,
    owner: ActorId,
    make: impl FnOnce(&Arc<Poller>, usize) -> io::Result<Kind>,
) -> io::Result<Token> {
    let mut registry = io.try_borrow_mut().map_err(|_| busy())?;
    let key = registry.vacant_key();
    let poller = registry.poller.clone();
    let kind = make(&poller, key)?;
    let serial = registry.insert(key, owner, kind);
    Ok(Token {
        io: Rc::downgrade(io),
        key,
        serial,
    })
}

fn busy() -> io::Error {
    io::Error::new(
        io::ErrorKind::WouldBlock,
        "the loop's socket registry is in use (called from a system observer?)",
    )
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "the socket is closed")
}

// ---------------------------------------------------------------------------------------------
// Handles
// ---------------------------------------------------------------------------------------------

/// Names one registered socket: its slot, and which occupant of the slot (slots are reused).
#[derive(Clone)]
struct Token {
    io: Weak<RefCell<IoRegistry>>,
    key: usize,
    serial: u64,
}

impl Token {
    /// Runs `f` on the socket's entry; an error if the socket is closed or the loop is gone.
    fn with<R>(&self, f: impl FnOnce(&mut IoRegistry, usize) -> io::Result<R>) -> io::Result<R> {
        let io = self.io.upgrade().ok_or_else(closed)?;
        let mut registry = io.try_borrow_mut().map_err(|_| busy())?;
        match registry.slots.get(self.key) {
            Some(Some(entry)) if entry.serial == self.serial => f(&mut registry, self.key),
            _ => Err(closed()),
        }
    }

    fn close(&self) {
        let _ = self.with(|registry, key| {
            registry.close(key);
            Ok(())
        });
    }

    fn is_open(&self) -> bool {
        self.with(|_, _| Ok(())).is_ok()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.key, self.serial)
    }
}

/// A registered TCP listener (see [`register_listener`]).
#[derive(Clone, Debug)]
pub struct Listener {
    token: Token,
    local: SocketAddr,
}

impl Listener {
    /// The address it listens on (the port the OS chose for a `:0` bind).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Stops listening and closes the socket (idempotent). Connections already accepted are
    /// not affected.
    pub fn close(&self) {
        self.token.close()
    }

    /// False once closed (by [`close`](Listener::close) or because its owner stopped).
    pub fn is_open(&self) -> bool {
        self.token.is_open()
    }
}

/// A registered TCP connection (see [`register_stream`]): write to it, close it.
#[derive(Clone, Debug)]
pub struct Connection {
    token: Token,
    peer: SocketAddr,
    local: SocketAddr,
}

impl Connection {
    /// Writes `bytes`: what the kernel takes now is sent, the rest is queued and sent, in
    /// order, when the socket can take it. Fails if the connection is closed or a write
    /// already failed (the peer reset it, for example).
    pub fn write(&self, bytes: &[u8]) -> io::Result<()> {
        self.token.with(|registry, key| registry.write(key, bytes))
    }

    /// Bytes accepted by [`write`](Connection::write) and not yet handed to the kernel.
    pub fn queued(&self) -> usize {
        self.token
            .with(|registry, key| match registry.kind(key) {
                Some(Kind::Stream(s)) => Ok(s.queue.len() - s.written),
                _ => Ok(0),
            })
            .unwrap_or(0)
    }

    /// Closes gracefully (idempotent): reading stops now; the socket closes once the queued
    /// writes are out (or the peer fails), even if the owner stops meanwhile. No
    /// [`TcpEvent::Closed`] follows.
    pub fn close(&self) {
        self.token.close()
    }

    /// False once the socket is closed, or closing.
    pub fn is_open(&self) -> bool {
        self.token
            .with(|registry, key| {
                Ok(!matches!(registry.kind(key), Some(Kind::Stream(s)) if s.closing))
            })
            .unwrap_or(false)
    }

    /// The address of the peer.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// The address of this end.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

/// A registered UDP socket (see [`register_udp`]): send from it, close it.
#[derive(Clone, Debug)]
pub struct UdpEndpoint {
    token: Token,
    local: SocketAddr,
}

impl UdpEndpoint {
    /// Sends one datagram to `to`. If the socket's buffer is full it is queued and sent when
    /// there is room, in order. Fails if the socket is closed, or at once for errors the OS
    /// reports synchronously (a datagram too large, an unreachable address).
    pub fn send_to(&self, bytes: &[u8], to: SocketAddr) -> io::Result<()> {
        self.token
            .with(|registry, key| registry.send_to(key, bytes, to))
    }

    /// Closes the socket after one last, non-waiting attempt to send what is queued
    /// (idempotent).
    pub fn close(&self) {
        self.token.close()
    }

    /// False once closed.
    pub fn is_open(&self) -> bool {
        self.token.is_open()
    }

    /// The address it is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

// ---------------------------------------------------------------------------------------------
// The registry
// ---------------------------------------------------------------------------------------------

/// A socket in the poller, owned here so it cannot be dropped while it is registered.
struct Registered<S: AsFd> {
    socket: S,
    poller: Arc<Poller>,
}

impl<S: AsFd> Registered<S> {
    /// Adds `socket` to `poller` under `key`, interested in reading.
    fn new(poller: &Arc<Poller>, socket: S, key: usize) -> io::Result<Self> {
        // SAFETY: `Poller::add` requires the source to be deleted from the poller before it is
        // dropped (otherwise the poller could report, or act on, a reused descriptor). The
        // socket is moved into the `Registered` returned here, which owns it from now on and
        // gives out only shared references; its `Drop` deletes the socket from the poller
        // before the socket (a field) is dropped and closed. This is the only `add` of a
        // socket in the crate, so every socket registered is deleted exactly when it is
        // dropped. If `add` fails, the socket was not added and is simply dropped.
        unsafe { poller.add(socket.as_fd().as_raw_fd(), Event::readable(key))? };
        Ok(Registered {
            socket,
            poller: poller.clone(),
        })
    }

    /// Re-arms the oneshot registration with `interest`.
    fn modify(&self, interest: Event) -> io::Result<()> {
        self.poller.modify(self.socket.as_fd(), interest)
    }
}

impl<S: AsFd> std::ops::Deref for Registered<S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.socket
    }
}

impl<S: AsFd> Drop for Registered<S> {
    fn drop(&mut self) {
        let _ = self.poller.delete(self.socket.as_fd());
    }
}

/// Sends one message to a socket's owner (type-erased `System::send`).
type Deliver<M> = Box<dyn Fn(&mut System, M) -> SendFuture>;

struct ListenerState {
    io: Registered<TcpListener>,
    deliver: Deliver<Accepted>,
}

struct StreamState {
    io: Registered<TcpStream>,
    deliver: Deliver<TcpEvent>,
    /// Still reading: `Closed` has not been delivered and `close` was not called.
    reading: bool,
    /// `close` was called: close once the queue is written.
    closing: bool,
    /// Bytes to write; the first `written` of them are already written.
    queue: Vec<u8>,
    written: usize,
    /// A write failed with this; further writes fail too.
    broken: Option<io::ErrorKind>,
}

struct UdpState {
    io: Registered<UdpSocket>,
    deliver: Deliver<Datagram>,
    outbox: VecDeque<(Vec<u8>, SocketAddr)>,
}

enum Kind {
    Listener(ListenerState),
    Stream(Box<StreamState>),
    Udp(Box<UdpState>),
}

struct Entry {
    /// Tells this occupant of the slot from earlier and later ones.
    serial: u64,
    /// The actor it belongs to; `None` once a graceful close detached it.
    owner: Option<ActorId>,
    /// The interest the oneshot registration is armed with; `None` once an event fired.
    armed: Option<(bool, bool)>,
    /// A delivery parked for mailbox space: reading waits for it.
    pending: Option<SendFuture>,
    kind: Kind,
}

impl Entry {
    /// What the socket should be armed for now: (readable, writable).
    fn interest(&self) -> (bool, bool) {
        let idle = self.pending.is_none();
        match &self.kind {
            Kind::Listener(_) => (idle, false),
            Kind::Stream(s) => (s.reading && idle, s.written < s.queue.len()),
            Kind::Udp(u) => (idle, !u.outbox.is_empty()),
        }
    }
}

/// What to do with an entry after handling an event.
enum Fate {
    Keep,
    Close,
}

/// How a delivery went.
enum Delivery {
    Done,
    Parked(SendFuture),
    OwnerGone,
}

fn poll_send(send: &mut SendFuture) -> Poll<Result<(), SendError>> {
    Pin::new(send).poll(&mut TaskContext::from_waker(Waker::noop()))
}

fn deliver<M>(deliver: &Deliver<M>, system: &mut System, msg: M) -> Delivery {
    let mut send = deliver(system, msg);
    match poll_send(&mut send) {
        Poll::Ready(Ok(())) => Delivery::Done,
        Poll::Ready(Err(_)) => Delivery::OwnerGone,
        Poll::Pending => Delivery::Parked(send),
    }
}

/// The loop's registered sockets. Keys are slab indices, so they never reach the keys reserved
/// at the top of the range (`usize::MAX` by `polling`, the loop's signal pipe just below).
pub(crate) struct IoRegistry {
    poller: Arc<Poller>,
    slots: Vec<Option<Entry>>,
    free: Vec<usize>,
    next_serial: u64,
    by_owner: HashMap<ActorId, Vec<usize>>,
    /// Entries with a parked delivery (may hold stale or repeated keys).
    waiting: Vec<usize>,
    /// Entries registered since the last run, whose owner may already be gone.
    fresh: Vec<usize>,
    buffer: Box<[u8]>,
}

impl IoRegistry {
    pub(crate) fn new(poller: Arc<Poller>) -> Self {
        IoRegistry {
            poller,
            slots: Vec::new(),
            free: Vec::new(),
            next_serial: 0,
            by_owner: HashMap::new(),
            waiting: Vec::new(),
            fresh: Vec::new(),
            buffer: vec![0; READ_BUDGET].into_boxed_slice(),
        }
    }

    fn vacant_key(&mut self) -> usize {
        match self.free.last() {
            Some(&key) => key,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        }
    }

    /// Fills the slot `vacant_key` returned; returns the entry's serial.
    fn insert(&mut self, key: usize, owner: ActorId, kind: Kind) -> u64 {
        if self.free.last() == Some(&key) {
            self.free.pop();
        }
        self.next_serial += 1;
        self.slots[key] = Some(Entry {
            serial: self.next_serial,
            owner: Some(owner),
            armed: Some((true, false)),
            pending: None,
            kind,
        });
        self.by_owner.entry(owner).or_default().push(key);
        self.fresh.push(key);
        self.next_serial
    }

    fn kind(&self, key: usize) -> Option<&Kind> {
        self.slots.get(key)?.as_ref().map(|e| &e.kind)
    }

    /// Removes an entry and closes its socket (the entry's `Registered` deletes it from the
    /// poller as it drops).
    fn remove(&mut self, key: usize) {
        let Some(entry) = self.slots.get_mut(key).and_then(Option::take) else {
            return;
        };
        self.free.push(key);
        if let Some(owner) = entry.owner {
            if let Some(keys) = self.by_owner.get_mut(&owner) {
                keys.retain(|k| *k != key);
                if keys.is_empty() {
                    self.by_owner.remove(&owner);
                }
            }
        }
        if let Kind::Stream(s) = &entry.kind {
            // Also ends the connection for clones of the descriptor the owner may have kept.
            let _ = s.io.shutdown(Shutdown::Both);
        }
    }

    /// Arms the oneshot registration for what the entry needs now. An entry that needs
    /// nothing stays disarmed (re-arming with no interest could still report hang-ups).
    fn rearm(&mut self, key: usize) -> io::Result<()> {
        let Some(Some(entry)) = self.slots.get_mut(key) else {
            return Ok(());
        };
        let (readable, writable) = entry.interest();
        if !(readable || writable) || entry.armed == Some((readable, writable)) {
            return Ok(());
        }
        let interest = Event::new(key, readable, writable);
        match &entry.kind {
            Kind::Listener(l) => l.io.modify(interest)?,
            Kind::Stream(s) => s.io.modify(interest)?,
            Kind::Udp(u) => u.io.modify(interest)?,
        }
        entry.armed = Some((readable, writable));
        Ok(())
    }

    fn rearm_or_close(&mut self, key: usize) {
        if self.rearm(key).is_err() {
            self.remove(key);
        }
    }

    /// A poller event for one of our sources.
    pub(crate) fn dispatch(&mut self, event: polling::Event, system: &mut System) {
        let key = event.key;
        let Some(Some(entry)) = self.slots.get_mut(key) else {
            return;
        };
        entry.armed = None;
        let pending = &mut entry.pending;
        let fate = match &mut entry.kind {
            Kind::Listener(l) => l.on_ready(system, pending),
            Kind::Stream(s) => s.on_ready(system, pending, &mut self.buffer),
            Kind::Udp(u) => u.on_ready(system, pending, &mut self.buffer),
        };
        let parked = entry.pending.is_some();
        match fate {
            Fate::Close => self.remove(key),
            Fate::Keep => {
                if parked {
                    self.waiting.push(key);
                }
                self.rearm_or_close(key);
            }
        }
    }

    /// After each run of the system: drops sockets registered for an owner that is already
    /// gone, and resumes reading sockets whose parked delivery went through.
    pub(crate) fn after_run(&mut self, system: &mut System) {
        for key in std::mem::take(&mut self.fresh) {
            let owner = self.slots.get(key).and_then(|e| e.as_ref()?.owner);
            if owner.is_some_and(|owner| !system.is_alive(owner)) {
                self.abort(key);
            }
        }
        if self.waiting.is_empty() {
            return;
        }
        let mut waiting = std::mem::take(&mut self.waiting);
        waiting.sort_unstable();
        waiting.dedup();
        for key in waiting {
            let Some(Some(entry)) = self.slots.get_mut(key) else {
                continue;
            };
            let Some(send) = entry.pending.as_mut() else {
                continue;
            };
            match poll_send(send) {
                Poll::Pending => self.waiting.push(key),
                Poll::Ready(Ok(())) => {
                    entry.pending = None;
                    self.rearm_or_close(key);
                }
                // The owner is gone. A gracefully closing socket (detached from it) still
                // finishes writing; any other closes now.
                Poll::Ready(Err(_)) if entry.owner.is_none() => {
                    entry.pending = None;
                    self.rearm_or_close(key);
                }
                Poll::Ready(Err(_)) => self.abort(key),
            }
        }
    }

    /// Closes the sockets an actor owned.
    pub(crate) fn actor_stopped(&mut self, id: ActorId) {
        for key in self.by_owner.remove(&id).unwrap_or_default() {
            if let Some(Some(entry)) = self.slots.get_mut(key) {
                entry.owner = None;
            }
            self.abort(key);
        }
    }

    /// Closes everything (shutdown).
    pub(crate) fn close_all(&mut self) {
        for key in 0..self.slots.len() {
            self.abort(key);
        }
        self.waiting.clear();
        self.fresh.clear();
    }

    /// Closes now, after one last attempt to write what is queued without waiting.
    fn abort(&mut self, key: usize) {
        if let Some(Some(entry)) = self.slots.get_mut(key) {
            match &mut entry.kind {
                Kind::Listener(_) => {}
                Kind::Stream(s) => {
                    let _ = s.flush();
                }
                Kind::Udp(u) => u.flush(),
            }
            self.remove(key);
        }
    }

    /// What a handle's `close` does.
    fn close(&mut self, key: usize) {
        let Some(Some(entry)) = self.slots.get_mut(key) else {
            return;
        };
        let Kind::Stream(s) = &mut entry.kind else {
            return self.abort(key);
        };
        s.reading = false;
        if s.closing {
            return;
        }
        s.closing = true;
        if s.broken.is_some() || s.written == s.queue.len() {
            return self.remove(key);
        }
        // Detach from the owner: the close completes even if the owner stops meanwhile.
        if let Some(owner) = entry.owner.take() {
            if let Some(keys) = self.by_owner.get_mut(&owner) {
                keys.retain(|k| *k != key);
                if keys.is_empty() {
                    self.by_owner.remove(&owner);
                }
            }
        }
        self.rearm_or_close(key);
    }

    fn write(&mut self, key: usize, bytes: &[u8]) -> io::Result<()> {
        let Some(Kind::Stream(s)) = self.slots[key].as_mut().map(|e| &mut e.kind) else {
            return Err(closed());
        };
        if let Some(kind) = s.broken {
            return Err(io::Error::new(
                kind,
                "an earlier write to this connection failed",
            ));
        }
        if s.closing {
            return Err(closed());
        }
        let mut rest = bytes;
        if s.written == s.queue.len() {
            while !rest.is_empty() {
                match (&*s.io).write(rest) {
                    Ok(0) => return Err(s.fail(io::ErrorKind::WriteZero.into())),
                    Ok(n) => rest = &rest[n..],
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(s.fail(e)),
                }
            }
        }
        if rest.is_empty() {
            return Ok(());
        }
        s.queue.extend_from_slice(rest);
        self.rearm(key)
    }

    fn send_to(&mut self, key: usize, bytes: &[u8], to: SocketAddr) -> io::Result<()> {
        let Some(Kind::Udp(u)) = self.slots[key].as_mut().map(|e| &mut e.kind) else {
            return Err(closed());
        };
        if u.outbox.is_empty() {
            loop {
                match u.io.send_to(bytes, to) {
                    Ok(_) => return Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        u.outbox.push_back((bytes.to_vec(), to));
        self.rearm(key)
    }
}

impl ListenerState {
    fn on_ready(&mut self, system: &mut System, pending: &mut Option<SendFuture>) -> Fate {
        let mut budget = COUNT_BUDGET;
        while pending.is_none() && budget > 0 {
            budget -= 1;
            match self.io.accept() {
                Ok((stream, peer)) => {
                    match deliver(&self.deliver, system, Accepted { stream, peer }) {
                        Delivery::Done => {}
                        Delivery::Parked(send) => *pending = Some(send),
                        Delivery::OwnerGone => return Fate::Close,
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                // A connection that failed before we took it, or a signal: try the next one.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                    ) => {}
                // Out of descriptors and the like: try again on the next event.
                Err(_) => break,
            }
        }
        Fate::Keep
    }
}

impl StreamState {
    /// Records a failed write; returns the error.
    fn fail(&mut self, error: io::Error) -> io::Error {
        self.broken = Some(error.kind());
        error
    }

    /// Writes queued bytes until the socket would block.
    fn flush(&mut self) -> io::Result<()> {
        while self.written < self.queue.len() {
            match (&*self.io).write(&self.queue[self.written..]) {
                Ok(0) => return Err(self.fail(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.fail(e)),
            }
        }
        if self.written == self.queue.len() {
            self.queue.clear();
            self.written = 0;
        } else if self.written >= COMPACT_AFTER && self.written * 2 >= self.queue.len() {
            self.queue.drain(..self.written);
            self.written = 0;
        }
        Ok(())
    }

    /// Delivers the last event; the connection reads no more.
    fn finish(
        &mut self,
        system: &mut System,
        pending: &mut Option<SendFuture>,
        error: Option<io::Error>,
    ) {
        if !self.reading {
            return;
        }
        self.reading = false;
        if let Delivery::Parked(send) = deliver(&self.deliver, system, TcpEvent::Closed { error }) {
            *pending = Some(send);
        }
    }

    fn on_ready(
        &mut self,
        system: &mut System,
        pending: &mut Option<SendFuture>,
        buffer: &mut [u8],
    ) -> Fate {
        if let Err(e) = self.flush() {
            if !self.closing {
                self.finish(system, pending, Some(e));
            }
            return Fate::Close;
        }
        if self.closing {
            return if self.written == self.queue.len() {
                Fate::Close
            } else {
                Fate::Keep
            };
        }
        if !self.reading || pending.is_some() {
            return Fate::Keep;
        }
        let mut read = 0;
        let end = loop {
            if read == buffer.len() {
                break None;
            }
            match (&*self.io).read(&mut buffer[read..]) {
                Ok(0) => break Some(None),
                Ok(n) => read += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break None,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Some(Some(e)),
            }
        };
        if read > 0 {
            match deliver(
                &self.deliver,
                system,
                TcpEvent::Data(buffer[..read].to_vec()),
            ) {
                Delivery::Done => {}
                Delivery::Parked(send) => *pending = Some(send),
                Delivery::OwnerGone => return Fate::Close,
            }
        }
        match end {
            None => Fate::Keep,
            // The peer finished sending; the socket stays open for our writes.
            Some(None) => {
                self.finish(system, pending, None);
                Fate::Keep
            }
            Some(Some(error)) => {
                self.finish(system, pending, Some(error));
                Fate::Close
            }
        }
    }
}

impl UdpState {
    /// Sends queued datagrams until the socket would block. A datagram the OS refuses is
    /// dropped: UDP has no connection to fail, and its sender was already told `Ok`.
    fn flush(&mut self) {
        while let Some((data, to)) = self.outbox.front() {
            match self.io.send_to(data, *to) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                _ => {
                    self.outbox.pop_front();
                }
            }
        }
    }

    fn on_ready(
        &mut self,
        system: &mut System,
        pending: &mut Option<SendFuture>,
        buffer: &mut [u8],
    ) -> Fate {
        self.flush();
        let (mut count, mut bytes) = (0, 0);
        while pending.is_none() && count < COUNT_BUDGET && bytes < READ_BUDGET {
            count += 1;
            match self.io.recv_from(buffer) {
                Ok((n, from)) => {
                    bytes += n;
                    let datagram = Datagram {
                        data: buffer[..n].to_vec(),
                        from,
                    };
                    match deliver(&self.deliver, system, datagram) {
                        Delivery::Done => {}
                        Delivery::Parked(send) => *pending = Some(send),
                        Delivery::OwnerGone => return Fate::Close,
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                // An ICMP error for an earlier send (connection refused, …): nothing to
                // deliver, keep reading.
                Err(_) => {}
            }
        }
        Fate::Keep
    }
}
