//! The scheduler's inner loop: one turn of one actor — its lifecycle steps, then up to a
//! quantum of messages — with panics (under `std`) turned into supervised failures.

use alloc::boxed::Box;

use crate::actor::AnyActor;
use crate::envelope::{Letter, Outcome};
use crate::registry::{NOT_RUNNABLE, PAUSED, SCHEDULED, START_PENDING, STOP_REQUESTED, SUSPENDED};
use crate::supervision::StopReason;
use crate::system::Core;
use crate::{ActorError, ActorId, AskError};

/// How an actor's turn ended.
pub(crate) enum TurnEnd {
    /// Quantum spent or mailbox empty.
    Yield,
    /// A poison pill was handled.
    Stop,
    Failed(ActorError),
}

#[cfg(feature = "std")]
pub(crate) fn guarded<T>(f: impl FnOnce() -> T, on_panic: impl FnOnce(ActorError) -> T) -> T {
    match std::panic::catch_unwind(core::panic::AssertUnwindSafe(f)) {
        Ok(value) => value,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| alloc::string::String::from(*s))
                .or_else(|| payload.downcast_ref::<alloc::string::String>().cloned())
                .unwrap_or_else(|| "a non-string panic payload".into());
            on_panic(ActorError::with_kind(crate::FailureKind::Panic, message))
        }
    }
}

#[cfg(not(feature = "std"))]
#[inline(always)]
pub(crate) fn guarded<T>(f: impl FnOnce() -> T, _on_panic: impl FnOnce(ActorError) -> T) -> T {
    f()
}

impl Core {
    /// One turn of one actor: its lifecycle steps, then up to `quantum` messages.
    pub(crate) fn run_actor(&mut self, id: ActorId, quantum: usize) -> usize {
        let Ok(cell) = self.registry.get_mut(id) else {
            return 0;
        };
        cell.flags &= !SCHEDULED;
        if cell.has(STOP_REQUESTED) {
            self.stop_now(id, StopReason::Requested);
            return 1;
        }
        if cell.has(SUSPENDED | PAUSED) {
            return 0;
        }
        let Some(mut actor) = cell.actor.take() else {
            return 0;
        };
        if cell.has(START_PENDING) {
            cell.flags &= !START_PENDING;
            let started = guarded(|| actor.started(self, id), Err);
            if let Err(error) = started {
                self.put_back(id, actor);
                self.fail(id, error);
                return 1;
            }
        }
        let mut handled = 0;
        // One panic guard per turn, not per message: a panic ends the turn as a failure.
        let end = guarded(
            || self.handle_batch(id, &mut *actor, quantum, &mut handled),
            TurnEnd::Failed,
        );
        let mut stop = None;
        match end {
            TurnEnd::Yield => {}
            TurnEnd::Stop => stop = Some(StopReason::PoisonPill),
            TurnEnd::Failed(error) => {
                let unwound = core::mem::take(&mut *self.shared.unwound.borrow_mut());
                for reply in unwound {
                    reply.fail_unanswered(AskError::Failed(error.clone()));
                }
                self.put_back(id, actor);
                self.fail(id, error);
                return handled;
            }
        }
        self.put_back(id, actor);
        let Ok(cell) = self.registry.get_mut(id) else {
            return handled;
        };
        if cell.has(STOP_REQUESTED) {
            stop = stop.or(Some(StopReason::Requested));
        }
        if let Some(reason) = stop {
            self.stop_now(id, reason);
        } else if !cell.mailbox.is_empty() && cell.flags & NOT_RUNNABLE == 0 {
            cell.flags |= SCHEDULED;
            self.run_queue.push_back(id);
        }
        handled
    }

    /// Delivers up to `quantum` messages from `id`'s mailbox to `actor`; `handled` is set to
    /// how many it took (left unset if a handler panics).
    fn handle_batch(
        &mut self,
        id: ActorId,
        actor: &mut dyn AnyActor,
        quantum: usize,
        handled: &mut usize,
    ) -> TurnEnd {
        let mut n = 0;
        let end = loop {
            if n == quantum {
                break TurnEnd::Yield;
            }
            let Ok(cell) = self.registry.get_mut(id) else {
                break TurnEnd::Yield;
            };
            if cell.has(STOP_REQUESTED | PAUSED) {
                break TurnEnd::Yield;
            }
            let Some(Letter { sender, body }) = cell.mailbox.pop_front() else {
                break TurnEnd::Yield;
            };
            cell.processed += 1;
            if cell.has(crate::registry::HAS_PARKED) {
                self.admit_parked(id);
            }
            n += 1;
            // Counted before the handler runs, so a panic inside it is still counted.
            self.metrics.delivered += 1;
            match body.deliver(actor, self, id, sender) {
                Outcome::Delivered => {}
                Outcome::DeadLettered => self.metrics.delivered -= 1,
                Outcome::Failed(error) => break TurnEnd::Failed(error),
                Outcome::Stop => break TurnEnd::Stop,
            }
        };
        *handled = n;
        end
    }

    fn put_back(&mut self, id: ActorId, actor: Box<dyn AnyActor>) {
        if let Ok(cell) = self.registry.get_mut(id) {
            cell.actor = Some(actor);
        }
    }
}
