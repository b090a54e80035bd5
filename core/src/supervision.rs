//! Supervision: what a parent does when a child fails.
//!
//! A failing actor is suspended (it takes no more messages) and its parent's [`Supervisor`]
//! decides: [`Restart`](Decision::Restart) builds a fresh instance from the actor's factory
//! (for one child, all children, or the failing child and those spawned after it),
//! [`Resume`](Decision::Resume) carries on with the same instance,
//! [`Stop`](Decision::Stop) stops it, and [`Escalate`](Decision::Escalate) stops it and fails
//! the parent in turn. Restarts beyond `max_restarts` within `within` escalate. Top-level
//! actors are supervised by the system's root supervisor, where escalation stops the actor.

use alloc::vec::Vec;
use core::time::Duration;

use crate::registry::{SCHEDULED, SUSPENDED};
use crate::system::Core;
use crate::{ActorError, ActorId, FailureKind, SystemEvent};

/// Which children a restart affects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strategy {
    /// Only the failing child.
    #[default]
    OneForOne,
    /// Every child of the supervisor.
    OneForAll,
    /// The failing child and every sibling spawned after it.
    RestForOne,
}

/// What a supervisor does about one failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Replace the failed instance with a fresh one from its factory.
    Restart,
    /// Keep the instance and carry on with the next message.
    Resume,
    /// Stop the child.
    Stop,
    /// Stop the child and fail the supervisor itself.
    Escalate,
}

/// Why an actor stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// [`stop`](crate::Runtime::stop) was called, or it stopped itself.
    Requested,
    /// It took a poison pill.
    PoisonPill,
    /// Its parent stopped (or restarted).
    ParentStopped,
    /// The system shut down.
    Shutdown,
    /// It failed and its supervisor stopped it.
    Failed(ActorError),
}

/// A supervisor's policy for its children.
///
/// ```
/// use backstage_core::{Decision, Strategy, Supervisor};
/// use core::time::Duration;
///
/// let sup = Supervisor::new(Strategy::OneForAll)
///     .max_restarts(3, Duration::from_secs(5))
///     .decider(|err| if err.message() == "fatal" { Decision::Stop } else { Decision::Restart });
/// assert_eq!(sup.strategy(), Strategy::OneForAll);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Supervisor {
    strategy: Strategy,
    max_restarts: u32,
    within: Duration,
    decider: fn(&ActorError) -> Decision,
}

impl Default for Supervisor {
    /// One-for-one, always restart, at most 3 restarts within 5 seconds.
    fn default() -> Self {
        Supervisor::new(Strategy::OneForOne)
    }
}

impl Supervisor {
    /// A supervisor with this strategy that restarts on every failure, at most 3 times within
    /// 5 seconds.
    pub const fn new(strategy: Strategy) -> Self {
        Supervisor {
            strategy,
            max_restarts: 3,
            within: Duration::from_secs(5),
            decider: |_| Decision::Restart,
        }
    }

    /// The restart intensity: more than `max` restarts of one child within `within` escalate.
    pub const fn max_restarts(mut self, max: u32, within: Duration) -> Self {
        self.max_restarts = max;
        self.within = within;
        self
    }

    /// Chooses the decision per failure.
    pub const fn decider(mut self, decider: fn(&ActorError) -> Decision) -> Self {
        self.decider = decider;
        self
    }

    /// The restart strategy.
    pub const fn strategy(&self) -> Strategy {
        self.strategy
    }
}

impl Core {
    /// The policy supervising `parent`'s children (the root's for top-level actors).
    fn supervisor_of(&self, parent: Option<ActorId>) -> Supervisor {
        parent
            .and_then(|p| self.registry.get(p).ok())
            .and_then(|cell| cell.extra.as_ref()?.supervisor)
            .unwrap_or(self.config.root_supervisor)
    }

    /// Handles a failure of `id` (whose actor is in its cell, not running).
    pub(crate) fn fail(&mut self, id: ActorId, error: ActorError) {
        let parent = {
            let Ok(cell) = self.registry.get_mut(id) else {
                return;
            };
            cell.errors = cell.errors.saturating_add(1);
            cell.flags |= SUSPENDED;
            cell.parent
        };
        self.metrics.failures += 1;
        if self.events.watched() {
            self.events
                .emit(self.now, &SystemEvent::Failed { id, error: &error });
        }
        let parent = parent.filter(|p| self.registry.is_alive(*p));
        let supervisor = self.supervisor_of(parent);
        match (supervisor.decider)(&error) {
            Decision::Resume => self.resume(id),
            Decision::Stop => self.stop_now(id, crate::StopReason::Failed(error)),
            Decision::Escalate => self.escalate(id, parent, error),
            Decision::Restart => {
                if self.restart_budget_exhausted(id, &supervisor) {
                    return self.escalate(id, parent, error);
                }
                for target in self.restart_set(id, parent, supervisor.strategy) {
                    self.restart(target, &error);
                }
            }
        }
    }

    fn resume(&mut self, id: ActorId) {
        if let Ok(cell) = self.registry.get_mut(id) {
            cell.flags &= !SUSPENDED;
        }
        self.reschedule(id);
    }

    /// Puts `id` back on the run queue if it has mail and nothing holds it back.
    pub(crate) fn reschedule(&mut self, id: ActorId) {
        let Ok(cell) = self.registry.get_mut(id) else {
            return;
        };
        if !cell.mailbox.is_empty() && cell.flags & crate::registry::NOT_RUNNABLE == 0 {
            cell.flags |= SCHEDULED;
            self.run_queue.push_back(id);
        }
    }

    fn escalate(&mut self, id: ActorId, parent: Option<ActorId>, error: ActorError) {
        let message = alloc::format!("child {id} failed: {error}");
        self.stop_now(id, crate::StopReason::Failed(error));
        if let Some(parent) = parent {
            let reaches_parent = self
                .registry
                .get(parent)
                .is_ok_and(|cell| cell.actor.is_some());
            if reaches_parent {
                self.fail(
                    parent,
                    ActorError::with_kind(FailureKind::Escalated, message),
                );
            }
        }
    }

    /// Records one more restart of `id`; true if that exceeds the supervisor's intensity.
    fn restart_budget_exhausted(&mut self, id: ActorId, supervisor: &Supervisor) -> bool {
        let now = self.now;
        let Ok(cell) = self.registry.get_mut(id) else {
            return true;
        };
        let log = &mut cell.extra().restart_log;
        let horizon = now - supervisor.within;
        while log
            .front()
            .is_some_and(|t| *t < horizon || supervisor.within.is_zero())
        {
            log.pop_front();
        }
        if log.len() >= supervisor.max_restarts as usize {
            return true;
        }
        log.push_back(now);
        false
    }

    fn restart_set(
        &self,
        id: ActorId,
        parent: Option<ActorId>,
        strategy: Strategy,
    ) -> Vec<ActorId> {
        let siblings = parent
            .and_then(|p| self.registry.get(p).ok())
            .map_or(&[][..], |cell| cell.children());
        match strategy {
            Strategy::OneForOne => alloc::vec![id],
            _ if parent.is_none() => alloc::vec![id],
            Strategy::OneForAll => siblings.to_vec(),
            Strategy::RestForOne => {
                let from = siblings.iter().position(|c| *c == id).unwrap_or(0);
                siblings[from..].to_vec()
            }
        }
    }

    /// Replaces `id`'s instance with a fresh one and runs its `restarted` hook.
    fn restart(&mut self, id: ActorId, cause: &ActorError) {
        let children: Vec<ActorId> = match self.registry.get(id) {
            Ok(cell) => cell.children().to_vec(),
            Err(_) => return,
        };
        for child in children.into_iter().rev() {
            self.stop_now(child, crate::StopReason::ParentStopped);
        }
        let Ok(cell) = self.registry.get_mut(id) else {
            return;
        };
        let mut fresh = (cell.factory)();
        cell.actor = None;
        cell.restarts = cell.restarts.saturating_add(1);
        cell.flags &= !(SUSPENDED | crate::registry::PAUSED | crate::registry::START_PENDING);
        self.metrics.restarts += 1;
        if self.events.watched() {
            self.events
                .emit(self.now, &SystemEvent::Restarted { id, cause });
        }
        let hook = fresh.restarted(cause, self, id);
        let Ok(cell) = self.registry.get_mut(id) else {
            return;
        };
        cell.actor = Some(fresh);
        match hook {
            Err(e) => self.fail(id, e),
            Ok(()) => self.resume(id),
        }
    }
}
