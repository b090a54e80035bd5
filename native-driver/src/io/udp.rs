//! UDP: sockets that deliver each [`Datagram`] they receive and queue the datagrams the
//! kernel cannot take yet.

use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, UdpSocket};

use backstage_core::{Addr, Handler, Message, SendFuture, System};

use super::delivery::Deliver;
use super::registry::{closed, current_registry, register, Fate, Kind, Registered, Token};
use super::{COUNT_BUDGET, READ_BUDGET};

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
///
/// [`register_listener`]: super::register_listener
pub fn register_udp<A: Handler<Datagram>>(
    socket: UdpSocket,
    owner: &Addr<A>,
) -> io::Result<UdpEndpoint> {
    let io = current_registry(owner.id())?;
    let local = socket.local_addr()?;
    socket.set_nonblocking(true)?;
    let token = register(&io, owner.id(), socket, |io| {
        Kind::Udp(Box::new(UdpState {
            io,
            deliver: Deliver::to(*owner),
            outbox: VecDeque::new(),
        }))
    })?;
    Ok(UdpEndpoint { token, local })
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
        self.token.with(|registry, key| {
            let Some(Kind::Udp(u)) = registry.kind_mut(key) else {
                return Err(closed());
            };
            if u.outbox.is_empty() && u.send_now(bytes, to)? {
                return Ok(());
            }
            u.outbox.push_back((bytes.to_vec(), to));
            registry.rearm(key)
        })
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

pub(super) struct UdpState {
    pub(super) io: Registered<UdpSocket>,
    deliver: Deliver<Datagram>,
    pub(super) outbox: VecDeque<(Vec<u8>, SocketAddr)>,
}

impl UdpState {
    /// Sends one datagram, retrying after a signal: `Ok(false)` if the socket would block.
    fn send_now(&self, data: &[u8], to: SocketAddr) -> io::Result<bool> {
        loop {
            match self.io.send_to(data, to) {
                Ok(_) => return Ok(true),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends queued datagrams until the socket would block. A datagram the OS refuses is
    /// dropped: UDP has no connection to fail, and its sender was already told `Ok`.
    pub(super) fn flush(&mut self) {
        while let Some((data, to)) = self.outbox.front() {
            if let Ok(false) = self.send_now(data, *to) {
                break;
            }
            self.outbox.pop_front();
        }
    }

    pub(super) fn on_ready(
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
                    if self.deliver.send(system, pending, datagram).is_err() {
                        return Fate::Close;
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
