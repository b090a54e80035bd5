//! Helpers shared by the acceptance tests in `tests/tests/`.
//!
//! - [`Log`]: shared lines of text that actors write and tests read.
//! - [`assert_accounted`]: `sent == delivered + dead_letters + rejected`.
//! - [`Record`]: a shared, append-only record of any type (actor state is private to the
//!   system, so factories capture a clone of the record).
//! - [`ask`]: sends an ask and drives the system until it is answered; [`reply`] drives it
//!   until a proxy's ask is answered; [`call_frame`] does the same for a call in wire form.
//! - [`settle`] / [`assert_balanced`]: the conservation law of messages,
//!   `sent == delivered + dead_letters + rejected` once the mailboxes are empty.
//! - [`record_events`]: an owned copy of every [`SystemEvent`], in order.
//! - [`silence_expected_panics`]: keeps deliberate handler panics out of the test output.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use backstage_core::wire::{CallError, Dispatcher, Limits};
use backstage_core::{
    ActorError, ActorId, Addr, Ask, AskError, DeadLetterReason, Handler, ManualDriver, Message,
    StopReason, System, SystemEvent, SystemMetrics,
};

/// Shared lines of text: actors push, tests read.
#[derive(Clone, Debug, Default)]
pub struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    /// Appends one line.
    pub fn push(&self, line: impl Into<String>) {
        self.0.borrow_mut().push(line.into());
    }

    /// A copy of every line, oldest first.
    pub fn lines(&self) -> Vec<String> {
        self.0.borrow().clone()
    }

    /// Forgets every line.
    pub fn clear(&self) {
        self.0.borrow_mut().clear();
    }
}

/// Asserts `sent == delivered + dead_letters + rejected` (call it once the mailboxes are empty).
#[track_caller]
pub fn assert_accounted(m: &SystemMetrics) {
    assert_eq!(
        m.sent,
        m.delivered + m.dead_letters + m.rejected,
        "sent != delivered + dead_letters + rejected; metrics: {m:?}"
    );
}

/// A shared, append-only record, cheap to clone into actor factories.
pub struct Record<T>(Rc<RefCell<Vec<T>>>);

impl<T> Record<T> {
    /// An empty log.
    pub fn new() -> Self {
        Record(Rc::new(RefCell::new(Vec::new())))
    }

    /// Appends one entry.
    pub fn push(&self, entry: T) {
        self.0.borrow_mut().push(entry);
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }

    /// True if nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }

    /// Removes and returns every entry.
    pub fn take(&self) -> Vec<T> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

impl<T: Clone> Record<T> {
    /// A copy of every entry, oldest first.
    pub fn snapshot(&self) -> Vec<T> {
        self.0.borrow().clone()
    }

    /// A copy of the entries from `start` on.
    pub fn since(&self, start: usize) -> Vec<T> {
        self.0.borrow()[start..].to_vec()
    }
}

impl<T> Clone for Record<T> {
    fn clone(&self) -> Self {
        Record(self.0.clone())
    }
}

impl<T> Default for Record<T> {
    fn default() -> Self {
        Record::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for Record<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.borrow().iter()).finish()
    }
}

/// Asks `to` and runs the system until the reply (or its error) is there.
///
/// Panics if the system goes idle with the ask still unanswered (it never would be).
#[track_caller]
pub fn ask<A: Handler<M>, M: Message>(
    driver: &mut ManualDriver,
    to: &Addr<A>,
    msg: M,
) -> Result<M::Reply, AskError> {
    let reply = driver.system.ask(to, msg);
    driver
        .block_on(reply)
        .expect("the system went idle and the ask was never answered")
}

/// Runs the system until the ask (a proxy's reply future) is answered.
///
/// Panics if the system goes idle with the ask still unanswered (it never would be).
#[track_caller]
pub fn reply<R>(driver: &mut ManualDriver, ask: Ask<R>) -> Result<R, AskError> {
    driver
        .block_on(ask)
        .expect("the system went idle and the ask was never answered")
}

/// Calls `to` with a wire frame through `dispatcher` and runs the system until the encoded
/// reply (or its error) is there. A frame refused before sending is that error.
#[track_caller]
pub fn call_frame(
    driver: &mut ManualDriver,
    dispatcher: &Dispatcher,
    to: ActorId,
    frame: &[u8],
    limits: &Limits,
) -> Result<Vec<u8>, CallError> {
    type Slot = Rc<RefCell<Option<Result<Vec<u8>, CallError>>>>;
    let slot = Slot::default();
    let sink = slot.clone();
    dispatcher.call(driver, to, frame, limits, None, move |r| {
        assert!(sink.borrow_mut().replace(r).is_none(), "replied twice");
    })?;
    driver.run_until_idle();
    let result = slot.borrow_mut().take();
    result.expect("the system went idle and the call was never answered")
}

/// Asserts that no message is waiting and every message sent was accounted for:
/// `sent == delivered + dead_letters + rejected`.
#[track_caller]
pub fn assert_balanced(system: &System) {
    let m = system.metrics();
    assert_eq!(
        system.queued(),
        0,
        "messages are still queued; metrics: {m:?}"
    );
    assert_eq!(
        m.sent,
        m.delivered + m.dead_letters + m.rejected,
        "sent != delivered + dead_letters + rejected; metrics: {m:?}"
    );
}

/// Runs the system until idle, then [`assert_balanced`].
#[track_caller]
pub fn settle(driver: &mut ManualDriver) {
    driver.run_until_idle();
    assert_balanced(&driver.system);
}

/// An owned copy of a [`SystemEvent`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// [`SystemEvent::Spawned`].
    Spawned {
        /// The new actor.
        id: ActorId,
        /// Its parent.
        parent: Option<ActorId>,
        /// Its name.
        name: Option<String>,
    },
    /// [`SystemEvent::Failed`].
    Failed {
        /// The failing actor.
        id: ActorId,
        /// The failure.
        error: ActorError,
    },
    /// [`SystemEvent::Restarted`].
    Restarted {
        /// The restarted actor.
        id: ActorId,
        /// Why.
        cause: ActorError,
    },
    /// [`SystemEvent::Stopped`].
    Stopped {
        /// The stopped actor.
        id: ActorId,
        /// Why.
        reason: StopReason,
    },
    /// [`SystemEvent::DeadLetter`] (without the message itself).
    DeadLetter {
        /// Whom it was for.
        to: Option<ActorId>,
        /// Who sent it.
        from: Option<ActorId>,
        /// Why it was not delivered.
        reason: DeadLetterReason,
        /// The message's type name.
        message_type: &'static str,
    },
}

impl Event {
    fn of(event: &SystemEvent<'_>) -> Self {
        match event {
            SystemEvent::Spawned {
                id, parent, name, ..
            } => Event::Spawned {
                id: *id,
                parent: *parent,
                name: name.map(str::to_owned),
            },
            SystemEvent::Failed { id, error } => Event::Failed {
                id: *id,
                error: (*error).clone(),
            },
            SystemEvent::Restarted { id, cause } => Event::Restarted {
                id: *id,
                cause: (*cause).clone(),
            },
            SystemEvent::Stopped { id, reason } => Event::Stopped {
                id: *id,
                reason: (*reason).clone(),
            },
            SystemEvent::DeadLetter(letter) => Event::DeadLetter {
                to: letter.to,
                from: letter.from,
                reason: letter.reason,
                message_type: letter.message_type,
            },
        }
    }

    /// The actor the event is about (the addressee, for a dead letter).
    pub fn actor(&self) -> Option<ActorId> {
        match self {
            Event::Spawned { id, .. }
            | Event::Failed { id, .. }
            | Event::Restarted { id, .. }
            | Event::Stopped { id, .. } => Some(*id),
            Event::DeadLetter { to, .. } => *to,
        }
    }
}

/// Observes `system` and returns the log its events are copied into, in order.
pub fn record_events(system: &mut System) -> Record<Event> {
    let log = Record::new();
    let sink = log.clone();
    system.observe(move |event| sink.push(Event::of(event)));
    log
}

/// Every panic message that starts with this is a deliberate one and is not printed.
pub const EXPECTED_PANIC: &str = "expected panic";

/// Installs (once per test binary) a panic hook that hides panics whose message starts with
/// [`EXPECTED_PANIC`], and reports every other panic as before.
pub fn silence_expected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
            if !message.is_some_and(|m| m.starts_with(EXPECTED_PANIC)) {
                previous(info);
            }
        }));
    });
}

/// The README's examples are compiled and run as doctests (here, where every crate is a
/// dependency). Natively only: they use the native driver, which wasm32 does not have.
#[cfg(all(doctest, not(target_arch = "wasm32")))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
