//! TCP: listeners that deliver [`Accepted`] connections, and streams that deliver
//! [`TcpEvent`]s and queue what the kernel cannot take yet.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

use backstage_core::{Addr, Handler, Message, SendFuture, System};

use super::delivery::Deliver;
use super::registry::{closed, current_registry, register, Fate, Kind, Registered, Token};
use super::COUNT_BUDGET;

/// Sent bytes at the front of a write queue worth compacting away.
const COMPACT_AFTER: usize = 64 * 1024;

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
    let token = register(&io, owner.id(), listener, |io| {
        Kind::Listener(ListenerState {
            io,
            deliver: Deliver::to(*owner),
        })
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
    let token = register(&io, owner.id(), stream, |io| {
        Kind::Stream(Box::new(StreamState {
            io,
            deliver: Deliver::to(*owner),
            reading: true,
            closing: false,
            queue: Vec::new(),
            written: 0,
            broken: None,
        }))
    })?;
    Ok(Connection { token, peer, local })
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
        self.token.with(|registry, key| {
            let Some(Kind::Stream(s)) = registry.kind_mut(key) else {
                return Err(closed());
            };
            if s.write(bytes)? {
                registry.rearm(key)
            } else {
                Ok(())
            }
        })
    }

    /// Bytes accepted by [`write`](Connection::write) and not yet handed to the kernel.
    pub fn queued(&self) -> usize {
        self.token
            .with(|registry, key| match registry.kind(key) {
                Some(Kind::Stream(s)) => Ok(s.queued()),
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

pub(super) struct ListenerState {
    pub(super) io: Registered<TcpListener>,
    deliver: Deliver<Accepted>,
}

impl ListenerState {
    pub(super) fn on_ready(
        &mut self,
        system: &mut System,
        pending: &mut Option<SendFuture>,
    ) -> Fate {
        let mut budget = COUNT_BUDGET;
        while pending.is_none() && budget > 0 {
            budget -= 1;
            match self.io.accept() {
                Ok((stream, peer)) => {
                    let accepted = Accepted { stream, peer };
                    if self.deliver.send(system, pending, accepted).is_err() {
                        return Fate::Close;
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

pub(super) struct StreamState {
    pub(super) io: Registered<TcpStream>,
    deliver: Deliver<TcpEvent>,
    /// Still reading: `Closed` has not been delivered and `close` was not called.
    pub(super) reading: bool,
    /// `close` was called: close once the queue is written.
    pub(super) closing: bool,
    /// Bytes to write; the first `written` of them are already written.
    queue: Vec<u8>,
    written: usize,
    /// A write failed with this; further writes fail too.
    pub(super) broken: Option<io::ErrorKind>,
}

impl StreamState {
    /// Bytes queued and not yet written.
    pub(super) fn queued(&self) -> usize {
        self.queue.len() - self.written
    }

    /// Records a failed write; returns the error.
    fn fail(&mut self, error: io::Error) -> io::Error {
        self.broken = Some(error.kind());
        error
    }

    /// Writes `bytes` now if nothing is queued before them, and queues what the socket does
    /// not take. True if something was queued (the socket must then be armed for writing).
    fn write(&mut self, bytes: &[u8]) -> io::Result<bool> {
        if let Some(kind) = self.broken {
            return Err(io::Error::new(
                kind,
                "an earlier write to this connection failed",
            ));
        }
        if self.closing {
            return Err(closed());
        }
        let mut done = 0;
        if self.queued() == 0 {
            write_some(&self.io, bytes, &mut done).map_err(|e| self.fail(e))?;
        }
        let rest = &bytes[done..];
        if rest.is_empty() {
            return Ok(false);
        }
        self.queue.extend_from_slice(rest);
        Ok(true)
    }

    /// Writes queued bytes until the socket would block.
    pub(super) fn flush(&mut self) -> io::Result<()> {
        if let Err(e) = write_some(&self.io, &self.queue, &mut self.written) {
            return Err(self.fail(e));
        }
        if self.queued() == 0 {
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
        // An owner that is gone gets nothing more; the caller's fate for the socket stands.
        let _ = self
            .deliver
            .send(system, pending, TcpEvent::Closed { error });
    }

    pub(super) fn on_ready(
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
            return if self.queued() == 0 {
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
            let data = TcpEvent::Data(buffer[..read].to_vec());
            if self.deliver.send(system, pending, data).is_err() {
                return Fate::Close;
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

/// Writes `bytes[*done..]` until all of it is written or the socket would block, counting
/// what was written in `done` (also when an error ends it).
fn write_some(mut socket: &TcpStream, bytes: &[u8], done: &mut usize) -> io::Result<()> {
    while *done < bytes.len() {
        match socket.write(&bytes[*done..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => *done += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
