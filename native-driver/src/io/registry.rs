//! The loop's registered sockets: a slab of entries whose keys are the poller keys, the
//! tokens that name one entry from a handle, and the rule that a socket leaves the poller
//! exactly when it is dropped.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd};
use std::rc::{Rc, Weak};
use std::sync::Arc;

use backstage_core::{ActorId, SendFuture};
use polling::{Event, Poller};

use super::tcp::{ListenerState, StreamState};
use super::udp::UdpState;
use crate::event_loop::with_current;

/// A socket in the poller, owned here so it cannot be dropped while it is registered. (Also
/// used by the inspector endpoint's thread, for its listener and connections.)
pub(crate) struct Registered<S: AsFd> {
    socket: S,
    poller: Arc<Poller>,
}

impl<S: AsFd> Registered<S> {
    /// Adds `socket` to `poller` under `key`, interested in reading.
    pub(crate) fn new(poller: &Arc<Poller>, socket: S, key: usize) -> io::Result<Self> {
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
    pub(crate) fn modify(&self, interest: Event) -> io::Result<()> {
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

/// A socket of each kind, with what the loop keeps for it.
pub(super) enum Kind {
    Listener(ListenerState),
    Stream(Box<StreamState>),
    Udp(Box<UdpState>),
}

pub(super) struct Entry {
    /// Tells this occupant of the slot from earlier and later ones.
    serial: u64,
    /// The actor it belongs to; `None` once a graceful close detached it.
    pub(super) owner: Option<ActorId>,
    /// The interest the oneshot registration is armed with; `None` once an event fired.
    pub(super) armed: Option<(bool, bool)>,
    /// A delivery parked for mailbox space: reading waits for it.
    pub(super) pending: Option<SendFuture>,
    pub(super) kind: Kind,
}

impl Entry {
    /// What the socket should be armed for now: (readable, writable).
    fn interest(&self) -> (bool, bool) {
        let idle = self.pending.is_none();
        match &self.kind {
            Kind::Listener(_) => (idle, false),
            Kind::Stream(s) => (s.reading && idle, s.queued() > 0),
            Kind::Udp(u) => (idle, !u.outbox.is_empty()),
        }
    }
}

/// What to do with an entry after handling an event.
pub(super) enum Fate {
    Keep,
    Close,
}

/// The loop's registered sockets. Keys are slab indices, so they never reach the keys reserved
/// at the top of the range (`usize::MAX` by `polling`, the loop's signal pipe just below).
pub(crate) struct IoRegistry {
    pub(super) poller: Arc<Poller>,
    pub(super) slots: Vec<Option<Entry>>,
    pub(super) free: Vec<usize>,
    pub(super) next_serial: u64,
    pub(super) by_owner: HashMap<ActorId, Vec<usize>>,
    /// Entries with a parked delivery (may hold stale or repeated keys).
    pub(super) waiting: Vec<usize>,
    /// Entries registered since the last run, whose owner may already be gone.
    pub(super) fresh: Vec<usize>,
    pub(super) buffer: Box<[u8]>,
}

impl IoRegistry {
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

    pub(super) fn kind(&self, key: usize) -> Option<&Kind> {
        self.slots.get(key)?.as_ref().map(|e| &e.kind)
    }

    pub(super) fn kind_mut(&mut self, key: usize) -> Option<&mut Kind> {
        self.slots.get_mut(key)?.as_mut().map(|e| &mut e.kind)
    }

    /// Forgets that `owner` owns the socket at `key`.
    fn disown(&mut self, owner: ActorId, key: usize) {
        if let Some(keys) = self.by_owner.get_mut(&owner) {
            keys.retain(|k| *k != key);
            if keys.is_empty() {
                self.by_owner.remove(&owner);
            }
        }
    }

    /// Removes an entry and closes its socket (the entry's `Registered` deletes it from the
    /// poller as it drops).
    pub(super) fn remove(&mut self, key: usize) {
        let Some(entry) = self.slots.get_mut(key).and_then(Option::take) else {
            return;
        };
        self.free.push(key);
        if let Some(owner) = entry.owner {
            self.disown(owner, key);
        }
        if let Kind::Stream(s) = &entry.kind {
            // Also ends the connection for clones of the descriptor the owner may have kept.
            let _ = s.io.shutdown(Shutdown::Both);
        }
    }

    /// Arms the oneshot registration for what the entry needs now. An entry that needs
    /// nothing stays disarmed (re-arming with no interest could still report hang-ups).
    pub(super) fn rearm(&mut self, key: usize) -> io::Result<()> {
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

    pub(super) fn rearm_or_close(&mut self, key: usize) {
        if self.rearm(key).is_err() {
            self.remove(key);
        }
    }

    /// Closes now, after one last attempt to write what is queued without waiting.
    pub(super) fn abort(&mut self, key: usize) {
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
        if s.broken.is_some() || s.queued() == 0 {
            return self.remove(key);
        }
        // Detach from the owner: the close completes even if the owner stops meanwhile.
        if let Some(owner) = entry.owner.take() {
            self.disown(owner, key);
        }
        self.rearm_or_close(key);
    }
}

/// Names one registered socket: its slot, and which occupant of the slot (slots are reused).
#[derive(Clone)]
pub(super) struct Token {
    io: Weak<RefCell<IoRegistry>>,
    key: usize,
    serial: u64,
}

impl Token {
    /// Runs `f` on the socket's entry; an error if the socket is closed or the loop is gone.
    pub(super) fn with<R>(
        &self,
        f: impl FnOnce(&mut IoRegistry, usize) -> io::Result<R>,
    ) -> io::Result<R> {
        let io = self.io.upgrade().ok_or_else(closed)?;
        let mut registry = io.try_borrow_mut().map_err(|_| busy())?;
        match registry.slots.get(self.key) {
            Some(Some(entry)) if entry.serial == self.serial => f(&mut registry, self.key),
            _ => Err(closed()),
        }
    }

    pub(super) fn close(&self) {
        let _ = self.with(|registry, key| {
            registry.close(key);
            Ok(())
        });
    }

    pub(super) fn is_open(&self) -> bool {
        self.with(|_, _| Ok(())).is_ok()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.key, self.serial)
    }
}

/// This loop's registry, if this is a loop thread and `owner` lives on it.
pub(super) fn current_registry(owner: ActorId) -> io::Result<Rc<RefCell<IoRegistry>>> {
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

/// Adds `socket` to `io`'s poller for `owner`, with the state `make` builds around it.
pub(super) fn register<S: AsFd>(
    io: &Rc<RefCell<IoRegistry>>,
    owner: ActorId,
    socket: S,
    make: impl FnOnce(Registered<S>) -> Kind,
) -> io::Result<Token> {
    let mut registry = io.try_borrow_mut().map_err(|_| busy())?;
    let key = registry.vacant_key();
    let socket = Registered::new(&registry.poller, socket, key)?;
    let serial = registry.insert(key, owner, make(socket));
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

pub(super) fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "the socket is closed")
}
