//! Counters, per-actor facts, events and dead letters: what an inspector reads.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::any::Any;
use core::fmt;

use crate::{ActorError, ActorId, Instant, StopReason};

/// Why a message was not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeadLetterReason {
    /// No actor ever had the target id.
    NoSuchActor,
    /// The target had stopped, or stopped before handling it.
    ActorStopped,
    /// The target id belongs to another node and no transport routes there.
    Unroutable,
    /// Forwarded (published, timed) into a full mailbox whose policy rejects.
    MailboxFull,
    /// Pushed out of a full mailbox by a newer message ([`Overflow::DropOldest`](crate::Overflow::DropOldest)).
    DroppedOldest,
    /// Refused by a full mailbox ([`Overflow::DropNewest`](crate::Overflow::DropNewest)).
    DroppedNewest,
    /// The actor declined an envelope (the default [`Actor::receive`](crate::Actor::receive)).
    Unhandled,
    /// A publication whose type the subscriber does not handle.
    TypeMismatch,
    /// A reply that came after its asker stopped waiting (timed out or dropped the future).
    ReplyDropped,
}

impl DeadLetterReason {
    /// Every reason, in declaration order.
    pub const ALL: [DeadLetterReason; 9] = [
        DeadLetterReason::NoSuchActor,
        DeadLetterReason::ActorStopped,
        DeadLetterReason::Unroutable,
        DeadLetterReason::MailboxFull,
        DeadLetterReason::DroppedOldest,
        DeadLetterReason::DroppedNewest,
        DeadLetterReason::Unhandled,
        DeadLetterReason::TypeMismatch,
        DeadLetterReason::ReplyDropped,
    ];

    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            DeadLetterReason::NoSuchActor => "NO_SUCH_ACTOR",
            DeadLetterReason::ActorStopped => "ACTOR_STOPPED",
            DeadLetterReason::Unroutable => "UNROUTABLE",
            DeadLetterReason::MailboxFull => "MAILBOX_FULL",
            DeadLetterReason::DroppedOldest => "DROPPED_OLDEST",
            DeadLetterReason::DroppedNewest => "DROPPED_NEWEST",
            DeadLetterReason::Unhandled => "UNHANDLED",
            DeadLetterReason::TypeMismatch => "TYPE_MISMATCH",
            DeadLetterReason::ReplyDropped => "REPLY_DROPPED",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A message that could not be delivered, with the message itself.
pub struct DeadLetter {
    /// Whom it was for (`None` for a reply to a non-actor asker).
    pub to: Option<ActorId>,
    /// Who sent it, if an actor did.
    pub from: Option<ActorId>,
    /// Why it was not delivered.
    pub reason: DeadLetterReason,
    /// The Rust type name of the message.
    pub message_type: &'static str,
    /// The message, for inspection or re-routing.
    pub message: Option<Box<dyn Any>>,
}

impl DeadLetter {
    /// The message as an `M`, if it is one.
    pub fn downcast_ref<M: 'static>(&self) -> Option<&M> {
        self.message.as_ref()?.downcast_ref()
    }
}

impl fmt::Debug for DeadLetter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeadLetter")
            .field("to", &self.to)
            .field("from", &self.from)
            .field("reason", &self.reason)
            .field("message_type", &self.message_type)
            .finish()
    }
}

/// System-wide counters.
///
/// Every message an actor is sent ends in exactly one of `delivered`, `dead_letters` or
/// `rejected`; until then it sits in a mailbox (or a parked back-pressured send). So at rest,
/// `sent == delivered + dead_letters + rejected`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SystemMetrics {
    /// Messages addressed to an actor (tells, asks, per-subscriber publications, timer firings,
    /// replies carried back to actors, termination notices).
    pub sent: u64,
    /// Messages a handler (or hook) took.
    pub delivered: u64,
    /// Messages refused with an error to their sender (a full mailbox with [`Overflow::Reject`](crate::Overflow::Reject)).
    pub rejected: u64,
    /// Messages recorded as dead letters.
    pub dead_letters: u64,
    /// Dead letters per reason, indexed like [`DeadLetterReason::ALL`].
    pub dead_letters_by_reason: [u64; 9],
    /// Actors spawned.
    pub spawned: u64,
    /// Actors stopped.
    pub stopped: u64,
    /// Handler or hook failures.
    pub failures: u64,
    /// Restarts performed by supervisors.
    pub restarts: u64,
    /// Actors alive now.
    pub live_actors: u64,
}

impl SystemMetrics {
    /// Dead letters recorded for one reason.
    pub fn dead_letters_for(&self, reason: DeadLetterReason) -> u64 {
        self.dead_letters_by_reason[reason.index()]
    }
}

/// Where an actor is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorState {
    /// Spawned; `started` has not run yet.
    Starting,
    /// Processing messages.
    Running,
    /// Failed; waiting for its supervisor's decision.
    Suspended,
    /// Paused by its own handler until [`Runtime::resume`](crate::Runtime::resume) (an
    /// asynchronous handler still running).
    Paused,
    /// Asked to stop; will stop on its next turn.
    Stopping,
}

/// A snapshot of one actor.
#[derive(Clone, Debug)]
pub struct ActorInfo {
    /// Its id.
    pub id: ActorId,
    /// Its registered name, if any.
    pub name: Option<Rc<str>>,
    /// The Rust type name of the actor.
    pub type_name: &'static str,
    /// Its parent (`None` for top-level actors).
    pub parent: Option<ActorId>,
    /// Lifecycle state.
    pub state: ActorState,
    /// Messages waiting in its mailbox.
    pub mailbox_len: usize,
    /// Its mailbox capacity.
    pub capacity: usize,
    /// Messages it has handled.
    pub processed: u64,
    /// Failures of its handlers and hooks.
    pub errors: u32,
    /// Times a supervisor restarted it.
    pub restarts: u32,
    /// Its children, in spawn order.
    pub children: Vec<ActorId>,
}

/// Something that happened in the system, as observers see it.
#[derive(Debug)]
pub enum SystemEvent<'a> {
    /// An actor was spawned.
    Spawned {
        /// The new actor.
        id: ActorId,
        /// Its parent, if it is a child.
        parent: Option<ActorId>,
        /// Its name, if it has one.
        name: Option<&'a str>,
        /// Its Rust type name.
        type_name: &'static str,
    },
    /// A handler or hook failed; the supervisor decides next.
    Failed {
        /// The failing actor.
        id: ActorId,
        /// What went wrong.
        error: &'a ActorError,
    },
    /// A supervisor restarted an actor.
    Restarted {
        /// The restarted actor.
        id: ActorId,
        /// The failure that caused the restart.
        cause: &'a ActorError,
    },
    /// An actor stopped for good.
    Stopped {
        /// The stopped actor.
        id: ActorId,
        /// Why it stopped.
        reason: &'a StopReason,
    },
    /// A message could not be delivered.
    DeadLetter(&'a DeadLetter),
}

/// A callback registered with [`System::observe`](crate::System::observe) or
/// [`System::add_observer`](crate::System::add_observer): the time of the event (the `now` of
/// the run that caused it) and the event.
pub(crate) type Observer = Box<dyn FnMut(Instant, &SystemEvent<'_>)>;

/// Names an observer added with [`System::add_observer`](crate::System::add_observer), to
/// remove it with [`System::remove_observer`](crate::System::remove_observer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObserverId(u64);

/// Observers, and the bounded log of recent dead letters.
pub(crate) struct Events {
    observers: Vec<(ObserverId, Observer)>,
    next_observer: u64,
    pub(crate) dead_letters: VecDeque<DeadLetter>,
    pub(crate) retention: usize,
}

impl Events {
    pub(crate) fn new(retention: usize) -> Self {
        Events {
            observers: Vec::new(),
            next_observer: 0,
            dead_letters: VecDeque::new(),
            retention,
        }
    }

    pub(crate) fn observe(&mut self, observer: Observer) -> ObserverId {
        let id = ObserverId(self.next_observer);
        self.next_observer += 1;
        self.observers.push((id, observer));
        id
    }

    /// Removes an observer; false if it was not there (already removed).
    pub(crate) fn unobserve(&mut self, id: ObserverId) -> bool {
        let before = self.observers.len();
        self.observers.retain(|(key, _)| *key != id);
        self.observers.len() != before
    }

    #[inline]
    pub(crate) fn watched(&self) -> bool {
        !self.observers.is_empty()
    }

    pub(crate) fn emit(&mut self, now: Instant, event: &SystemEvent<'_>) {
        for (_, observer) in &mut self.observers {
            observer(now, event);
        }
    }

    pub(crate) fn record_dead_letter(
        &mut self,
        now: Instant,
        metrics: &mut SystemMetrics,
        letter: DeadLetter,
    ) {
        metrics.dead_letters += 1;
        metrics.dead_letters_by_reason[letter.reason.index()] += 1;
        if self.watched() {
            self.emit(now, &SystemEvent::DeadLetter(&letter));
        }
        if self.retention == 0 {
            return;
        }
        if self.dead_letters.len() >= self.retention {
            self.dead_letters.pop_front();
        }
        self.dead_letters.push_back(letter);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_index_their_counters() {
        for (i, reason) in DeadLetterReason::ALL.iter().enumerate() {
            assert_eq!(reason.index(), i);
        }
    }

    #[test]
    fn dead_letter_log_keeps_only_the_newest() {
        let mut events = Events::new(2);
        let mut metrics = SystemMetrics::default();
        for i in 0..5u32 {
            events.record_dead_letter(
                Instant::ZERO,
                &mut metrics,
                DeadLetter {
                    to: None,
                    from: None,
                    reason: DeadLetterReason::NoSuchActor,
                    message_type: "u32",
                    message: Some(Box::new(i)),
                },
            );
        }
        assert_eq!(metrics.dead_letters, 5);
        assert_eq!(metrics.dead_letters_for(DeadLetterReason::NoSuchActor), 5);
        let kept: Vec<u32> = events
            .dead_letters
            .iter()
            .map(|d| *d.downcast_ref::<u32>().unwrap())
            .collect();
        assert_eq!(kept, [3, 4]);
    }
}
