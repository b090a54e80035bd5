//! Bounded mailboxes: capacity, overflow policies and back-pressure.

use crate::ask::{finish_send, SendSlot, SendState};
use crate::envelope::Letter;
use crate::metrics::DeadLetterReason;
use crate::registry::{Parked, HAS_PARKED, NOT_RUNNABLE, SCHEDULED, STOPPING};
use crate::system::Core;
use crate::{ActorId, AskError, SendError};

/// What a full mailbox does with one more message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Overflow {
    /// Refuse it: the sender gets [`SendError::MailboxFull`].
    #[default]
    Reject,
    /// Accept it and drop the oldest queued message (a dead letter).
    DropOldest,
    /// Keep the queue and drop the new message (a dead letter).
    DropNewest,
}

/// How a message enters a mailbox.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// Sent by a caller who gets the error back.
    Tell,
    /// Forwarded by the runtime (publication, timer): failures become dead letters only.
    Forward,
    /// Runtime notices (replies to an actor's ask, termination notices): never refused for space.
    Force,
}

/// The body of [`Core::enqueue`], shared with [`Core::enqueue_inline`] (one text, two
/// inlining decisions).
macro_rules! enqueue_body {
    ($core:ident, $to:ident, $letter:ident, $route:ident) => {{
        $core.metrics.sent += 1;
        if let Ok(cell) = $core.registry.get_mut($to) {
            let room = cell.mailbox.len() < cell.capacity as usize || $route == Route::Force;
            if room && !cell.has(STOPPING) {
                cell.mailbox.push_back($letter);
                if cell.flags & NOT_RUNNABLE == 0 {
                    cell.flags |= SCHEDULED;
                    $core.run_queue.push_back($to);
                }
                return Ok(());
            }
        }
        $core.enqueue_slow($to, $letter, $route)
    }};
}

impl Core {
    /// Puts `letter` into `to`'s mailbox, applying its overflow policy.
    ///
    /// Every call counts one sent message, which ends as delivered, dead-lettered or rejected.
    #[inline]
    pub(crate) fn enqueue(
        &mut self,
        to: ActorId,
        letter: Letter,
        route: Route,
    ) -> Result<(), SendError> {
        enqueue_body!(self, to, letter, route)
    }

    /// [`enqueue`](Core::enqueue), always inlined: for the one place that delivers every
    /// message sent through a handle (`proxy::Routed`), where a call would pass the letter
    /// through memory just written (a store-forwarding stall on every message).
    #[inline(always)]
    pub(crate) fn enqueue_inline(
        &mut self,
        to: ActorId,
        letter: Letter,
        route: Route,
    ) -> Result<(), SendError> {
        enqueue_body!(self, to, letter, route)
    }

    /// The target is gone or its mailbox is full.
    #[cold]
    #[inline(never)]
    fn enqueue_slow(&mut self, to: ActorId, letter: Letter, route: Route) -> Result<(), SendError> {
        let cell = match self.registry.get_mut(to) {
            Ok(cell) if !cell.has(STOPPING) => cell,
            Ok(_) => return self.refuse(to, letter, SendError::Stopped(to)),
            Err(e) => return self.refuse(to, letter, e),
        };
        match cell.overflow {
            Overflow::Reject if route == Route::Tell => {
                self.metrics.rejected += 1;
                let err = SendError::MailboxFull(to);
                drop(letter.body.discard(AskError::Send(err)));
                Err(err)
            }
            Overflow::Reject => {
                self.dead_letter(Some(to), letter, DeadLetterReason::MailboxFull);
                Err(SendError::MailboxFull(to))
            }
            Overflow::DropNewest => {
                self.dead_letter(Some(to), letter, DeadLetterReason::DroppedNewest);
                Ok(())
            }
            Overflow::DropOldest => {
                let oldest = cell.mailbox.pop_front();
                cell.mailbox.push_back(letter);
                if let Some(oldest) = oldest {
                    self.dead_letter(Some(to), oldest, DeadLetterReason::DroppedOldest);
                }
                Ok(())
            }
        }
    }

    /// A message for a target that cannot take it: a dead letter, and the error for the caller.
    fn refuse(&mut self, to: ActorId, letter: Letter, err: SendError) -> Result<(), SendError> {
        let reason = match err {
            SendError::NoSuchActor(_) => DeadLetterReason::NoSuchActor,
            SendError::Unroutable(_) => DeadLetterReason::Unroutable,
            SendError::Stopped(_) | SendError::MailboxFull(_) => DeadLetterReason::ActorStopped,
        };
        self.dead_letter_with(Some(to), letter, reason, AskError::Send(err));
        Err(err)
    }

    /// Enqueues if there is room; otherwise parks the letter until the actor frees a place.
    pub(crate) fn enqueue_or_park(&mut self, to: ActorId, letter: Letter, slot: SendSlot) {
        let full = match self.registry.get_mut(to) {
            Ok(cell) if !cell.has(STOPPING) => cell.mailbox.len() >= cell.capacity as usize,
            _ => false,
        };
        if !full {
            finish_send(&slot, self.enqueue(to, letter, Route::Tell));
            return;
        }
        self.metrics.sent += 1;
        if let Ok(cell) = self.registry.get_mut(to) {
            cell.flags |= HAS_PARKED;
            cell.extra().parked.push_back(Parked { letter, slot });
        }
    }

    /// After a message left `id`'s mailbox: lets the first parked send in.
    pub(crate) fn admit_parked(&mut self, id: ActorId) {
        let Ok(cell) = self.registry.get_mut(id) else {
            return;
        };
        let Some(extra) = cell.extra.as_mut() else {
            return;
        };
        if cell.mailbox.len() >= cell.capacity as usize {
            return;
        }
        if let Some(parked) = extra.parked.pop_front() {
            if extra.parked.is_empty() {
                cell.flags &= !HAS_PARKED;
            }
            cell.mailbox.push_back(parked.letter);
            if cell.flags & NOT_RUNNABLE == 0 {
                cell.flags |= SCHEDULED;
                self.run_queue.push_back(id);
            }
            finish_send(&parked.slot, Ok(()));
        }
    }

    /// Fails the parked sends of a stopping actor: they become dead letters.
    pub(crate) fn fail_parked(&mut self, id: ActorId, parked: impl IntoIterator<Item = Parked>) {
        for p in parked {
            if matches!(*p.slot.borrow(), SendState::Waiting(_)) {
                finish_send(&p.slot, Err(SendError::Stopped(id)));
            }
            self.dead_letter(Some(id), p.letter, DeadLetterReason::ActorStopped);
        }
    }
}
