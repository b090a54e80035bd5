//! [`Handle`]: the thread-safe way in. Every call becomes a command on the loop that owns the
//! target (or the chosen loop for a spawn), followed by a wake-up of that loop.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backstage_core::{
    Actor, ActorId, Addr, Handler, Message, Runtime, SpawnError, SpawnOptions, StopReason, System,
    SystemMetrics,
};

use crate::event_loop::{lock, with_current, LoopState, Remote};
use crate::oneshot::{self, Reply};
use crate::EngineError;

/// What every handle and loop of one engine share.
pub(crate) struct Shared {
    pub(crate) loops: Vec<Arc<Remote>>,
    pub(crate) node_base: u32,
    next: AtomicUsize,
    /// Engine-wide names: any loop's named actors, resolvable from anywhere.
    pub(crate) names: Mutex<BTreeMap<String, ActorId>>,
    shutting_down: AtomicBool,
    /// Each loop's counters as it exited.
    pub(crate) final_metrics: Mutex<Vec<Option<SystemMetrics>>>,
    /// Other threads' pollers to wake when the shutdown begins (the inspector endpoint's).
    pub(crate) wakers: Mutex<Vec<Arc<polling::Poller>>>,
}

impl Shared {
    pub(crate) fn new(loops: Vec<Arc<Remote>>, node_base: u32) -> Self {
        let n = loops.len();
        Shared {
            loops,
            node_base,
            next: AtomicUsize::new(0),
            names: Mutex::new(BTreeMap::new()),
            shutting_down: AtomicBool::new(false),
            final_metrics: Mutex::new(vec![None; n]),
            wakers: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(SeqCst)
    }

    pub(crate) fn begin_shutdown(&self) {
        if !self.shutting_down.swap(true, SeqCst) {
            for remote in &self.loops {
                remote.wake();
                let _ = remote.poller.notify();
            }
            for poller in lock(&self.wakers).iter() {
                let _ = poller.notify();
            }
        }
    }

    pub(crate) fn loop_exited(&self, system: &System) {
        let index = (system.node().0 - self.node_base) as usize;
        if let Some(slot) = lock(&self.final_metrics).get_mut(index) {
            *slot = Some(system.metrics().clone());
        }
    }
}

/// A `Send + Sync` handle to a running [`Engine`](crate::Engine): spawn actors, tell and ask
/// them, from any thread (including actors on the engine's loops, where
/// [`Handle::current`] finds it).
///
/// Calls return at once. A `tell` is checked when it reaches its loop: if the actor is gone,
/// the message becomes a dead letter there (a caller on another thread cannot be told
/// synchronously without locking every mailbox); if its mailbox is full, it waits for space.
/// Use [`ask`](Handle::ask) or [`send`](Handle::send) when the caller needs to know.
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("loops", &self.shared.loops.len())
            .field("shutting_down", &self.shared.is_shutting_down())
            .finish()
    }
}

impl Handle {
    pub(crate) fn from_shared(shared: Arc<Shared>) -> Self {
        Handle { shared }
    }

    /// The handle of the engine whose loop runs this thread (`None` off loop threads).
    pub fn current() -> Option<Handle> {
        with_current(|c| c.handle.clone())
    }

    /// The index of the loop running this thread, if it is a loop thread.
    pub fn current_loop() -> Option<usize> {
        with_current(|c| c.index)
    }

    /// How many loops the engine runs.
    pub fn loops(&self) -> usize {
        self.shared.loops.len()
    }

    /// The loop that owns `id`.
    pub fn loop_of(&self, id: ActorId) -> Result<usize, EngineError> {
        let index = id.node().0.wrapping_sub(self.shared.node_base) as usize;
        if index < self.shared.loops.len() {
            Ok(index)
        } else {
            Err(EngineError::NoSuchLoop(index))
        }
    }

    fn remote(&self, index: usize) -> Result<&Remote, EngineError> {
        if self.shared.is_shutting_down() {
            return Err(EngineError::ShutDown);
        }
        self.shared
            .loops
            .get(index)
            .map(|r| &**r)
            .ok_or(EngineError::NoSuchLoop(index))
    }

    /// Runs `command` on loop `index` between two runs of its system.
    pub(crate) fn command(
        &self,
        index: usize,
        command: impl FnOnce(&mut LoopState) + Send + 'static,
    ) -> Result<(), EngineError> {
        self.remote(index)?.push(Box::new(command));
        Ok(())
    }

    /// Runs `f` on loop `index` with its [`System`] and returns what it returns: the escape
    /// hatch for anything the handle does not offer (spawning actors that are not `Send`,
    /// reading metrics, subscribing, …).
    pub fn with_system<R: Send + 'static>(
        &self,
        index: usize,
        f: impl FnOnce(&mut System) -> R + Send + 'static,
    ) -> Reply<R> {
        let (tx, rx) = oneshot::channel();
        match self.command(index, move |lp| tx.send(Ok(f(&mut lp.system)))) {
            Ok(()) => rx,
            Err(e) => oneshot::ready(Err(e)),
        }
    }

    /// Sends `msg` to `to` on whichever loop owns it.
    ///
    /// A message that arrives at a full mailbox waits for space there (it is never dropped for
    /// lack of room: the sender could not be told). A producer that may outrun its consumer
    /// should use [`send`](Handle::send), which reports when the message got in, to bound what
    /// waits.
    pub fn tell<A: Handler<M>, M: Message + Send>(
        &self,
        to: &Addr<A>,
        msg: M,
    ) -> Result<(), EngineError> {
        let to = *to;
        let index = self.loop_of(to.id())?;
        self.command(index, move |lp| {
            // Dropping the future keeps the message queued for space; a gone target makes it a
            // dead letter.
            drop(lp.system.send(&to, msg));
        })
    }

    /// Asks `to` and returns the reply.
    pub fn ask<A: Handler<M>, M: Message + Send>(&self, to: &Addr<A>, msg: M) -> Reply<M::Reply>
    where
        M::Reply: Send,
    {
        self.ask_inner(to, msg, None)
    }

    /// [`ask`](Handle::ask) with a deadline on the target loop's clock.
    pub fn ask_timeout<A: Handler<M>, M: Message + Send>(
        &self,
        to: &Addr<A>,
        msg: M,
        timeout: Duration,
    ) -> Reply<M::Reply>
    where
        M::Reply: Send,
    {
        self.ask_inner(to, msg, Some(timeout))
    }

    fn ask_inner<A: Handler<M>, M: Message + Send>(
        &self,
        to: &Addr<A>,
        msg: M,
        timeout: Option<Duration>,
    ) -> Reply<M::Reply>
    where
        M::Reply: Send,
    {
        let to = *to;
        let (tx, rx) = oneshot::channel();
        let sent = self.loop_of(to.id()).and_then(|index| {
            self.command(index, move |lp| {
                lp.system.ask_callback(&to, msg, timeout, move |r| {
                    tx.send(r.map_err(EngineError::Ask))
                })
            })
        });
        match sent {
            Ok(()) => rx,
            Err(e) => oneshot::ready(Err(e)),
        }
    }

    /// Sends `msg`, waiting for mailbox space (back pressure across threads): the reply comes
    /// once the message is in the mailbox.
    pub fn send<A: Handler<M>, M: Message + Send>(&self, to: &Addr<A>, msg: M) -> Reply<()> {
        let to = *to;
        let (tx, rx) = oneshot::channel();
        let sent = self.loop_of(to.id()).and_then(|index| {
            self.command(index, move |lp| {
                let admitted = lp.system.send(&to, msg);
                lp.spawn_task(async move { tx.send(admitted.await.map_err(EngineError::Send)) });
            })
        });
        match sent {
            Ok(()) => rx,
            Err(e) => oneshot::ready(Err(e)),
        }
    }

    /// Spawns a top-level actor on the next loop (round-robin). The factory runs on that
    /// loop's thread, so the actor itself need not be `Send`.
    pub fn spawn<A: Actor>(&self, factory: impl FnMut() -> A + Send + 'static) -> Reply<Addr<A>> {
        self.spawn_with(SpawnOptions::new(), factory)
    }

    /// [`spawn`](Handle::spawn) with options. A name is checked engine-wide.
    pub fn spawn_with<A: Actor>(
        &self,
        options: SpawnOptions,
        factory: impl FnMut() -> A + Send + 'static,
    ) -> Reply<Addr<A>> {
        let index = self.shared.next.fetch_add(1, SeqCst) % self.shared.loops.len();
        self.spawn_on(index, options, factory)
    }

    /// Spawns on a chosen loop (pinning an actor, e.g. next to the actors it talks to most).
    pub fn spawn_on<A: Actor>(
        &self,
        index: usize,
        options: SpawnOptions,
        factory: impl FnMut() -> A + Send + 'static,
    ) -> Reply<Addr<A>> {
        if let Some(name) = options.registered_name() {
            if lock(&self.shared.names).contains_key(name) {
                return oneshot::ready(Err(EngineError::Spawn(SpawnError::NameTaken(name.into()))));
            }
        }
        let (tx, rx) = oneshot::channel();
        let sent = self.command(index, move |lp| {
            if lp.closing {
                return tx.send(Err(EngineError::ShutDown));
            }
            tx.send(
                lp.system
                    .spawn_with(options, factory)
                    .map_err(EngineError::Spawn),
            )
        });
        match sent {
            Ok(()) => rx,
            Err(e) => oneshot::ready(Err(e)),
        }
    }

    /// The actor called `name` on any loop.
    pub fn lookup(&self, name: &str) -> Option<ActorId> {
        lock(&self.shared.names).get(name).copied()
    }

    /// Stops `id` (children first, queued messages become dead letters).
    pub fn stop(&self, id: ActorId) -> Result<(), EngineError> {
        let index = self.loop_of(id)?;
        self.command(index, move |lp| {
            let _ = lp.system.stop(id);
        })
    }

    /// Sends `id` a poison pill: it stops after what is already queued.
    pub fn poison(&self, id: ActorId) -> Result<(), EngineError> {
        let index = self.loop_of(id)?;
        self.command(index, move |lp| {
            let _ = lp.system.poison(id);
        })
    }

    /// Resolves when `id` terminates, with why — from any thread or loop (watching across
    /// loops). Resolves at once if it is already gone.
    pub fn terminated(&self, id: ActorId) -> Reply<StopReason> {
        let (tx, rx) = oneshot::channel();
        let sent = self.loop_of(id).and_then(|index| {
            self.command(index, move |lp| {
                if lp.system.is_alive(id) {
                    lp.watches.entry(id).or_default().push(tx);
                } else {
                    tx.send(Ok(StopReason::Requested));
                }
            })
        });
        match sent {
            Ok(()) => rx,
            Err(e) => oneshot::ready(Err(e)),
        }
    }

    /// A loop's counters.
    pub fn metrics(&self, index: usize) -> Reply<SystemMetrics> {
        self.with_system(index, |system| system.metrics().clone())
    }

    /// Begins a graceful shutdown: every loop stops its actors (leaves first, running their
    /// `stopped` hooks), dead-letters what remains and exits. Further calls fail with
    /// [`EngineError::ShutDown`].
    pub fn shutdown(&self) {
        self.shared.begin_shutdown();
    }

    /// True once a shutdown has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.shared.is_shutting_down()
    }
}
