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
//! functions return an [`io::Error`](std::io::Error) (they never panic).

// The parts: `registry` keeps the loop's sockets (a slab) and the invariant that ties each
// socket to its poller registration; `delivery` hands what was read to the owner and parks it
// while the owner's mailbox is full; `tcp` and `udp` are the sockets themselves, each with its
// messages, its handle and what the loop does when it is ready. This file holds the hooks the
// loop calls.

use std::collections::HashMap;
use std::sync::Arc;
use std::task::Poll;

use backstage_core::{ActorId, Runtime, System};
use polling::Poller;

mod delivery;
mod registry;
mod tcp;
mod udp;

pub(crate) use registry::{IoRegistry, Registered};
pub use tcp::{register_listener, register_stream, Accepted, Connection, Listener, TcpEvent};
pub use udp::{register_udp, Datagram, UdpEndpoint};

use delivery::poll_send;
use registry::{Fate, Kind};

/// Bytes read from one socket per readiness event (and the size of the read buffer, which
/// must hold the largest UDP datagram).
const READ_BUDGET: usize = 64 * 1024;
/// Connections accepted, or datagrams received, per readiness event.
const COUNT_BUDGET: usize = 64;

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
}
