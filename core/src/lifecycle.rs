//! Lifecycle: spawning into the registry and the parent/child tree, stopping (children
//! first), and watching.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::rc::Rc;

use crate::actor::{Actor, ActorKind, AnyActor};
use crate::envelope::{Letter, Terminated};
use crate::mailbox::Route;
use crate::metrics::{DeadLetterReason, SystemEvent};
use crate::registry::{Cell, Extra, SCHEDULED, START_PENDING, STOPPING, STOP_REQUESTED};
use crate::scheduler::guarded;
use crate::supervision::StopReason;
use crate::system::{Core, SpawnOptions};
use crate::{ActorId, Addr, SendError, SpawnError};

impl Core {
    pub(crate) fn spawn<A: Actor>(
        &mut self,
        parent: Option<ActorId>,
        options: SpawnOptions,
        mut factory: impl FnMut() -> A + 'static,
    ) -> Result<Addr<A>, SpawnError> {
        let name: Option<Rc<str>> = options.name.as_deref().map(Rc::from);
        if let Some(name) = &name {
            if self.registry.names.contains_key(name) {
                return Err(SpawnError::NameTaken(alloc::string::ToString::to_string(
                    &**name,
                )));
            }
        }
        if let Some(parent) = parent {
            if !self.registry.is_alive(parent) {
                return Err(SpawnError::ParentGone(parent));
            }
        }
        let first: Box<dyn AnyActor> = Box::new(factory());
        let extra = (name.is_some() || options.supervisor.is_some()).then(|| {
            Box::new(Extra {
                name: name.clone(),
                supervisor: options.supervisor,
                ..Extra::default()
            })
        });
        let capacity = options.capacity.unwrap_or(self.config.default_capacity);
        let id = self.registry.insert(Cell {
            actor: Some(first),
            mailbox: VecDeque::new(),
            capacity: capacity.clamp(1, u32::MAX as usize) as u32,
            overflow: options.overflow,
            flags: START_PENDING | SCHEDULED,
            errors: 0,
            restarts: 0,
            processed: 0,
            parent,
            kind: ActorKind::of::<A>(),
            factory: Box::new(move || Box::new(factory())),
            extra,
        });
        self.run_queue.push_back(id);
        if let Some(name) = &name {
            self.registry.names.insert(name.clone(), id);
        }
        if let Some(parent) = parent {
            if let Ok(cell) = self.registry.get_mut(parent) {
                cell.extra().children.push(id);
            }
        }
        self.metrics.spawned += 1;
        self.metrics.live_actors = self.registry.live() as u64;
        if self.events.watched() {
            self.events.emit(
                self.now,
                &SystemEvent::Spawned {
                    id,
                    parent,
                    name: name.as_deref(),
                    type_name: core::any::type_name::<A>(),
                },
            );
        }
        Ok(Addr::new(id))
    }

    pub(crate) fn request_stop(&mut self, id: ActorId) -> Result<(), SendError> {
        let cell = self.registry.get_mut(id)?;
        if cell.has(STOPPING) {
            return Err(SendError::Stopped(id));
        }
        cell.flags |= STOP_REQUESTED;
        if !cell.has(SCHEDULED) {
            cell.flags |= SCHEDULED;
            self.run_queue.push_back(id);
        }
        Ok(())
    }

    /// Stops `id` and its subtree now (children first). Only called between actor turns.
    pub(crate) fn stop_now(&mut self, id: ActorId, reason: StopReason) {
        let children = match self.registry.get_mut(id) {
            Ok(cell) if !cell.has(STOPPING) => {
                cell.flags |= STOPPING;
                cell.children().to_vec()
            }
            _ => return,
        };
        let child_reason = match reason {
            StopReason::Shutdown => StopReason::Shutdown,
            _ => StopReason::ParentStopped,
        };
        for child in children.into_iter().rev() {
            self.stop_now(child, child_reason.clone());
        }
        let (actor, started) = match self.registry.get_mut(id) {
            Ok(cell) => (cell.actor.take(), !cell.has(START_PENDING)),
            Err(_) => return,
        };
        if let Some(mut actor) = actor {
            if started {
                guarded(|| actor.stopped(self, id), |_| ());
            }
        }
        let Some(cell) = self.registry.remove(id) else {
            return;
        };
        let Cell {
            mailbox,
            parent,
            extra,
            ..
        } = *cell;
        let extra = extra.map(|e| *e).unwrap_or_default();
        if let Some(name) = &extra.name {
            if self.registry.names.get(name) == Some(&id) {
                self.registry.names.remove(name);
            }
        }
        if let Some(parent) = parent.and_then(|p| self.registry.get_mut(p).ok()) {
            // A stopping parent is dropping its whole list: searching it once per child would
            // make stopping n children cost n².
            if !parent.has(STOPPING) {
                if let Some(extra) = parent.extra.as_mut() {
                    if let Some(at) = extra.children.iter().rposition(|c| *c == id) {
                        extra.children.remove(at);
                    }
                }
            }
        }
        for letter in mailbox {
            self.dead_letter(Some(id), letter, DeadLetterReason::ActorStopped);
        }
        self.fail_parked(id, extra.parked);
        self.drop_topics_of(id, extra.subscriptions);
        for target in extra.watching {
            self.unwatch(id, target);
        }
        for watcher in extra.watchers {
            let notice = Terminated {
                id,
                reason: reason.clone(),
            };
            let _ = self.enqueue(watcher, Letter::new(None, Box::new(notice)), Route::Force);
        }
        self.metrics.stopped += 1;
        self.metrics.live_actors = self.registry.live() as u64;
        if self.events.watched() {
            self.events.emit(
                self.now,
                &SystemEvent::Stopped {
                    id,
                    reason: &reason,
                },
            );
        }
    }

    pub(crate) fn watch(&mut self, watcher: ActorId, target: ActorId) {
        if watcher == target {
            return;
        }
        match self.registry.get_mut(target) {
            Ok(cell) if !cell.has(STOPPING) => {
                let watchers = &mut cell.extra().watchers;
                if !watchers.contains(&watcher) {
                    watchers.push(watcher);
                }
                if let Ok(cell) = self.registry.get_mut(watcher) {
                    cell.extra().watching.push(target);
                }
            }
            _ => {
                let notice = Terminated {
                    id: target,
                    reason: StopReason::Requested,
                };
                let _ = self.enqueue(watcher, Letter::new(None, Box::new(notice)), Route::Force);
            }
        }
    }

    pub(crate) fn unwatch(&mut self, watcher: ActorId, target: ActorId) {
        if let Ok(Some(extra)) = self.registry.get_mut(target).map(|c| c.extra.as_mut()) {
            extra.watchers.retain(|w| *w != watcher);
        }
        if let Ok(Some(extra)) = self.registry.get_mut(watcher).map(|c| c.extra.as_mut()) {
            extra.watching.retain(|t| *t != target);
        }
    }
}
