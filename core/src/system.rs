//! The [`System`]: owns every actor and runs them when its driver says so.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::actor::Handler;
use crate::ask::{Ask, Pending, Ready, ReplyTo, SendFuture, SendState, Shared};
use crate::envelope::{Letter, Typed};
use crate::mailbox::{Overflow, Route};
use crate::metrics::{
    ActorInfo, ActorState, DeadLetter, DeadLetterReason, Events, ObserverId, SystemEvent,
    SystemMetrics,
};
use crate::registry::{Registry, PAUSED, START_PENDING, STOPPING, STOP_REQUESTED, SUSPENDED};
use crate::supervision::{StopReason, Supervisor};
use crate::time::Instant;
use crate::timers::{TimerAction, Timers};
use crate::topics::{Topic, TopicRouter};
use crate::{ActorError, ActorId, Addr, AskError, Message, NodeId, SendError};

/// How a system is set up.
#[derive(Clone, Debug)]
pub struct SystemConfig {
    /// This runtime's node (part of every [`ActorId`]).
    pub node: NodeId,
    /// Mailbox capacity of actors spawned without one.
    pub default_capacity: usize,
    /// How many messages one actor may handle per turn before the next actor runs.
    pub quantum: usize,
    /// How many recent dead letters [`System::dead_letters`] keeps (0: only count them).
    pub dead_letter_retention: usize,
    /// Supervises top-level actors.
    pub root_supervisor: Supervisor,
}

impl Default for SystemConfig {
    fn default() -> Self {
        SystemConfig {
            node: NodeId(0),
            default_capacity: 1024,
            quantum: 64,
            dead_letter_retention: 1024,
            root_supervisor: Supervisor::default(),
        }
    }
}

/// Name, mailbox and supervision settings for a spawn.
///
/// ```
/// use backstage_core::{Overflow, SpawnOptions, Strategy, Supervisor};
/// let options = SpawnOptions::new()
///     .name("worker")
///     .capacity(16)
///     .overflow(Overflow::DropOldest)
///     .supervisor(Supervisor::new(Strategy::OneForAll));
/// # let _ = options;
/// ```
#[derive(Clone, Debug, Default)]
pub struct SpawnOptions {
    pub(crate) name: Option<alloc::string::String>,
    pub(crate) capacity: Option<usize>,
    pub(crate) overflow: Overflow,
    pub(crate) supervisor: Option<Supervisor>,
}

impl SpawnOptions {
    /// No name, the system's default capacity, [`Overflow::Reject`], the default supervisor.
    pub fn new() -> Self {
        SpawnOptions::default()
    }

    /// Registers the actor under `name` (unique among live actors).
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The name set with [`name`](SpawnOptions::name), if any.
    pub fn registered_name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The mailbox capacity (at least 1).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = Some(capacity);
        self
    }

    /// What a full mailbox does.
    pub fn overflow(mut self, overflow: Overflow) -> Self {
        self.overflow = overflow;
        self
    }

    /// How this actor supervises its children.
    pub fn supervisor(mut self, supervisor: Supervisor) -> Self {
        self.supervisor = Some(supervisor);
        self
    }
}

/// What one [`System::run`] call did and what the driver should do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunReport {
    /// Messages (and lifecycle steps) processed.
    pub processed: usize,
    /// Work remains: call `run` again soon (after yielding to the host, if it wants).
    pub more: bool,
    /// The earliest timer deadline: if there is no other work, sleep until then.
    pub next_deadline: Option<Instant>,
}

/// The internals shared by [`System`] and [`Context`](crate::Context).
pub struct Core {
    pub(crate) now: Instant,
    pub(crate) registry: Registry,
    pub(crate) run_queue: VecDeque<ActorId>,
    pub(crate) timers: Timers,
    pub(crate) topics: TopicRouter,
    pub(crate) metrics: SystemMetrics,
    pub(crate) events: Events,
    pub(crate) shared: Rc<Shared>,
    pub(crate) config: SystemConfig,
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core")
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// An actor system: the registry, mailboxes, scheduler, topics, timers and metrics of one
/// runtime. It owns no thread and reads no clock; a driver calls [`System::run`] with the
/// current time whenever there is work (see [`crate::driver`]).
pub struct System {
    pub(crate) core: Core,
}

impl Default for System {
    fn default() -> Self {
        System::new()
    }
}

impl fmt::Debug for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("System")
            .field("node", &self.core.registry.node())
            .field("now", &self.core.now)
            .field("live_actors", &self.core.registry.live())
            .field("runnable", &self.core.run_queue.len())
            .field("timers", &self.core.timers.len())
            .finish()
    }
}

impl System {
    /// A system with the default configuration.
    pub fn new() -> Self {
        System::with_config(SystemConfig::default())
    }

    /// A system with this configuration.
    pub fn with_config(config: SystemConfig) -> Self {
        System {
            core: Core {
                now: Instant::ZERO,
                registry: Registry::new(config.node),
                run_queue: VecDeque::new(),
                timers: Timers::default(),
                topics: TopicRouter::default(),
                metrics: SystemMetrics::default(),
                events: Events::new(config.dead_letter_retention),
                shared: Rc::new(Shared::new()),
                config,
            },
        }
    }

    /// Sends `msg` and returns a future of the reply.
    ///
    /// The future resolves once a driver has run the target; failures to send resolve it at
    /// once with [`AskError::Send`].
    pub fn ask<A: Handler<M>, M: Message>(&mut self, to: &Addr<A>, msg: M) -> Ask<M::Reply> {
        self.ask_inner(to, msg, None)
    }

    /// [`ask`](System::ask) with a deadline on the driver's clock.
    pub fn ask_within<A: Handler<M>, M: Message>(
        &mut self,
        to: &Addr<A>,
        msg: M,
        timeout: Duration,
    ) -> Ask<M::Reply> {
        self.ask_inner(to, msg, Some(timeout))
    }

    fn ask_inner<A: Handler<M>, M: Message>(
        &mut self,
        to: &Addr<A>,
        msg: M,
        timeout: Option<Duration>,
    ) -> Ask<M::Reply> {
        let pending = Pending::for_task(self.core.shared.clone());
        self.core
            .send_request(None, to, msg, timeout, pending.clone());
        Ask::new(pending)
    }

    /// Sends `msg` for a caller that cannot be told of failures (another thread, a transport):
    /// where a [`tell`](crate::Runtime::tell) would return an error, the message becomes a dead
    /// letter instead, so it is never lost silently. `sender` is the actor it comes from.
    pub fn forward<A: Handler<M>, M: Message>(
        &mut self,
        sender: Option<ActorId>,
        to: &Addr<A>,
        msg: M,
    ) {
        let letter = Letter::new(sender, Typed::<A, M>::boxed(msg, None));
        let _ = self.core.enqueue(to.id(), letter, Route::Forward);
    }

    /// Sends `msg`, waiting for mailbox space instead of failing when the mailbox is full
    /// (back pressure). Resolves with an error only if the target is or becomes unavailable.
    /// Dropping the future does not withdraw a message that is waiting for space.
    pub fn send<A: Handler<M>, M: Message>(&mut self, to: &Addr<A>, msg: M) -> SendFuture {
        let slot = Rc::new(core::cell::RefCell::new(SendState::Waiting(None)));
        let letter = Letter::new(None, Typed::<A, M>::boxed(msg, None));
        self.core.enqueue_or_park(to.id(), letter, slot.clone());
        SendFuture { slot }
    }

    /// Runs timers that are due at `now`, then up to `budget` messages, a quantum per actor
    /// in turn. Never blocks.
    pub fn run(&mut self, now: Instant, budget: usize) -> RunReport {
        let core = &mut self.core;
        if now > core.now {
            core.now = now;
        }
        core.fire_timers();
        core.drain_ready();
        let mut processed = 0;
        while processed < budget {
            let Some(id) = core.run_queue.pop_front() else {
                break;
            };
            let quantum = core.config.quantum.min(budget - processed).max(1);
            processed += core.run_actor(id, quantum).max(1);
            core.drain_ready();
        }
        RunReport {
            processed,
            more: self.has_work(),
            next_deadline: self.core.timers.next_deadline(),
        }
    }

    /// True if a `run` now would do something (other than wait for a future timer).
    pub fn has_work(&mut self) -> bool {
        let core = &mut self.core;
        !core.run_queue.is_empty()
            || !core.shared.ready.borrow().is_empty()
            || !core.shared.ops.borrow().is_empty()
            || core.timers.next_deadline().is_some_and(|t| t <= core.now)
    }

    /// The earliest timer deadline, if any.
    pub fn next_deadline(&mut self) -> Option<Instant> {
        self.core.timers.next_deadline()
    }

    /// Registers the driver's wake-up: called when work appears that the driver did not cause
    /// itself (a reply completed or abandoned outside `run`). It may be called from inside
    /// `run` and must only schedule a run, never run the system itself.
    pub fn set_pender(&mut self, pender: impl Fn() + 'static) {
        *self.core.shared.pender.borrow_mut() = Some(Rc::new(pender));
    }

    /// Adds an observer of spawns, failures, restarts, stops and dead letters. Observers are
    /// called synchronously; with none registered, events cost nothing.
    pub fn observe(&mut self, mut observer: impl FnMut(&SystemEvent<'_>) + 'static) {
        self.core
            .events
            .observe(Box::new(move |_, event| observer(event)));
    }

    /// Adds an observer that is also told when each event happened (the `now` of the run that
    /// caused it), and that can be removed again with
    /// [`remove_observer`](System::remove_observer): how an
    /// [`Inspector`](crate::inspect::Inspector) attaches to a running system and detaches.
    pub fn add_observer(
        &mut self,
        observer: impl FnMut(Instant, &SystemEvent<'_>) + 'static,
    ) -> ObserverId {
        self.core.events.observe(Box::new(observer))
    }

    /// Removes an observer added with [`add_observer`](System::add_observer); false if it
    /// was already removed. With no observer left, events cost nothing again.
    pub fn remove_observer(&mut self, id: ObserverId) -> bool {
        self.core.events.unobserve(id)
    }

    /// Reports a failure of `id` that happened outside its handlers (a driver's asynchronous
    /// handler whose promise rejected, say): its supervisor handles it as if a handler had
    /// returned `error`. Not callable for the actor whose handler is running.
    pub fn fail(&mut self, id: ActorId, error: ActorError) -> Result<(), SendError> {
        let cell = self.core.registry.get(id)?;
        if cell.has(STOPPING) || cell.actor.is_none() {
            return Err(SendError::Stopped(id));
        }
        self.core.fail(id, error);
        Ok(())
    }

    /// This runtime's node (the node of every actor it spawns).
    pub fn node(&self) -> NodeId {
        self.core.registry.node()
    }

    /// The system-wide counters.
    pub fn metrics(&self) -> &SystemMetrics {
        &self.core.metrics
    }

    /// A snapshot of one live actor.
    pub fn actor_info(&self, id: ActorId) -> Option<ActorInfo> {
        let cell = self.core.registry.get(id).ok()?;
        let state = if cell.has(STOPPING | STOP_REQUESTED) {
            ActorState::Stopping
        } else if cell.has(SUSPENDED) {
            ActorState::Suspended
        } else if cell.has(PAUSED) {
            ActorState::Paused
        } else if cell.has(START_PENDING) {
            ActorState::Starting
        } else {
            ActorState::Running
        };
        Some(ActorInfo {
            id,
            name: cell.name().cloned(),
            type_name: (cell.kind.name)(),
            parent: cell.parent,
            state,
            mailbox_len: cell.mailbox.len(),
            capacity: cell.capacity as usize,
            processed: cell.processed,
            errors: cell.errors,
            restarts: cell.restarts,
            children: cell.children().to_vec(),
        })
    }

    /// Snapshots of every live actor.
    pub fn actors(&self) -> Vec<ActorInfo> {
        self.core
            .registry
            .ids()
            .filter_map(|id| self.actor_info(id))
            .collect()
    }

    /// Topics with at least one subscriber (or declared streams), with subscriber counts.
    pub fn topics(&self) -> Vec<(Topic, usize)> {
        self.core
            .topics
            .topics()
            .map(|(t, n)| (t.clone(), n))
            .collect()
    }

    /// Subscribers of one topic.
    pub fn subscriber_count(&self, topic: &Topic) -> usize {
        self.core.topics.subscriber_count(topic)
    }

    /// The most recent dead letters (see [`SystemConfig::dead_letter_retention`]).
    pub fn dead_letters(&self) -> impl Iterator<Item = &DeadLetter> {
        self.core.events.dead_letters.iter()
    }

    /// Removes and returns the retained dead letters.
    pub fn take_dead_letters(&mut self) -> Vec<DeadLetter> {
        self.core.events.dead_letters.drain(..).collect()
    }

    /// Messages waiting in all mailboxes (including sends parked for space).
    pub fn queued(&self) -> usize {
        self.core
            .registry
            .ids()
            .filter_map(|id| self.core.registry.get(id).ok())
            .map(|c| c.mailbox.len() + c.extra.as_ref().map_or(0, |e| e.parked.len()))
            .sum()
    }

    /// Stops every actor now, children before parents, running their `stopped` hooks; queued
    /// messages become dead letters. Returns how many actors stopped.
    pub fn shutdown(&mut self) -> usize {
        let before = self.core.metrics.stopped;
        let top: Vec<ActorId> = self
            .core
            .registry
            .ids()
            .filter(|id| {
                self.core
                    .registry
                    .get(*id)
                    .is_ok_and(|c| c.parent.is_none())
            })
            .collect();
        for id in top.into_iter().rev() {
            self.core.stop_now(id, StopReason::Shutdown);
        }
        self.core.drain_ready();
        (self.core.metrics.stopped - before) as usize
    }
}

impl Core {
    /// Sends an ask whose reply goes to `pending`, with an optional deadline.
    pub(crate) fn send_request<A: Handler<M>, M: Message>(
        &mut self,
        sender: Option<ActorId>,
        to: &Addr<A>,
        msg: M,
        timeout: Option<Duration>,
        pending: Rc<Pending<M::Reply>>,
    ) {
        if let Some(timeout) = timeout {
            let at = self.now + timeout;
            let timer = self.timers.add(at, TimerAction::Expire(pending.clone()));
            pending.set_timer(timer);
        }
        let letter = Letter::new(
            sender,
            Typed::<A, M>::boxed(msg, Some(ReplyTo::new(pending))),
        );
        let _ = self.enqueue(to.id(), letter, Route::Tell);
    }

    /// Records an undeliverable letter (answering a waiting asker with the matching error).
    pub(crate) fn dead_letter(
        &mut self,
        to: Option<ActorId>,
        letter: Letter,
        reason: DeadLetterReason,
    ) {
        let err = match (reason, to) {
            (DeadLetterReason::ActorStopped, Some(id)) => AskError::Send(SendError::Stopped(id)),
            _ => AskError::NoReply,
        };
        self.dead_letter_with(to, letter, reason, err);
    }

    pub(crate) fn dead_letter_with(
        &mut self,
        to: Option<ActorId>,
        letter: Letter,
        reason: DeadLetterReason,
        err: AskError,
    ) {
        let message_type = letter.body.type_name();
        let message = letter.body.discard(err);
        self.record_dead_letter(DeadLetter {
            to,
            from: letter.sender,
            reason,
            message_type,
            message: Some(message),
        });
    }

    pub(crate) fn record_dead_letter(&mut self, letter: DeadLetter) {
        self.events
            .record_dead_letter(self.now, &mut self.metrics, letter);
    }

    /// Moves replies and late results produced outside the scheduler into place.
    pub(crate) fn drain_ready(&mut self) {
        self.drain_ops();
        loop {
            let next = self.shared.ready.borrow_mut().pop_front();
            match next {
                None => break,
                Some(Ready::Resume { to, letter }) => {
                    let _ = self.enqueue(to, letter, Route::Force);
                }
                Some(Ready::CancelTimer(timer)) => {
                    self.timers.cancel(timer);
                }
                Some(Ready::Dead(letter)) => {
                    self.metrics.sent += 1;
                    self.record_dead_letter(letter);
                }
            }
        }
    }
}
