//! One event loop: a thread that owns a [`System`], sleeps in its [`Poller`] until a timer is
//! due, an I/O source is ready or another thread hands it work, and runs the system in between.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context as TaskContext, Wake, Waker};
use std::time::{Duration, Instant as StdInstant};

use backstage_core::{ActorId, Instant, StopReason, System, SystemConfig, SystemEvent};
use polling::{Events, Poller};

use crate::handle::{Handle, Shared};
use crate::io::IoRegistry;
use crate::oneshot;

/// Work handed to a loop by another thread (or by code on the loop outside `run`).
pub(crate) type Command = Box<dyn FnOnce(&mut LoopState) + Send>;

/// The poller key of the signal pipe (socket keys are small slab indices; `polling` refuses
/// `usize::MAX`, which it reserves for its own notifications).
const SIGNAL_KEY: usize = usize::MAX - 1;

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What other threads share with one loop: its inbox of commands and how to wake it.
pub(crate) struct Remote {
    queue: Mutex<Vec<Command>>,
    ready_tasks: Mutex<Vec<usize>>,
    sleeping: AtomicBool,
    pub(crate) poller: Arc<Poller>,
}

impl Remote {
    pub(crate) fn new() -> std::io::Result<Self> {
        Ok(Remote {
            queue: Mutex::new(Vec::new()),
            ready_tasks: Mutex::new(Vec::new()),
            sleeping: AtomicBool::new(false),
            poller: Arc::new(Poller::new()?),
        })
    }

    pub(crate) fn push(&self, command: Command) {
        lock(&self.queue).push(command);
        self.wake();
    }

    /// Wakes the loop if it sleeps (at most one notification per sleep).
    pub(crate) fn wake(&self) {
        // The load keeps a busy loop's cache line shared; only a sleeping loop pays the swap.
        if self.sleeping.load(SeqCst) && self.sleeping.swap(false, SeqCst) {
            let _ = self.poller.notify();
        }
    }
}

/// Wakes a loop-local future: marks it ready and wakes the loop.
struct TaskWaker {
    remote: Arc<Remote>,
    task: usize,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        lock(&self.remote.ready_tasks).push(self.task);
        self.remote.wake();
    }
}

type LocalTask = Pin<Box<dyn Future<Output = ()>>>;

/// Everything a loop owns. Commands get it mutably, between runs of the system.
pub(crate) struct LoopState {
    /// The loop's actor system.
    pub(crate) system: System,
    remote: Arc<Remote>,
    tasks: Vec<Option<LocalTask>>,
    free_tasks: Vec<usize>,
    pub(crate) io: Rc<RefCell<IoRegistry>>,
    stopped: Rc<RefCell<Vec<(ActorId, StopReason)>>>,
    names: Rc<RefCell<BTreeMap<ActorId, String>>>,
    pub(crate) watches: BTreeMap<ActorId, Vec<oneshot::Sender<StopReason>>>,
    pub(crate) closing: bool,
    /// The inspector endpoint's view of this loop (created on its first request).
    pub(crate) inspector: Option<backstage_core::inspect::Inspector>,
    /// The origin of this loop's clock (the engine's start).
    pub(crate) epoch: StdInstant,
}

impl LoopState {
    /// The time on the loop's clock (the one its system runs on).
    pub(crate) fn now(&self) -> Instant {
        now(self.epoch)
    }

    /// Runs a loop-local future (it may hold `Rc`s) to completion on this loop.
    pub(crate) fn spawn_task(&mut self, future: impl Future<Output = ()> + 'static) {
        let id = match self.free_tasks.pop() {
            Some(id) => id,
            None => {
                self.tasks.push(None);
                self.tasks.len() - 1
            }
        };
        self.tasks[id] = Some(Box::pin(future));
        self.poll_task(id);
    }

    fn poll_task(&mut self, id: usize) {
        let Some(Some(task)) = self.tasks.get_mut(id) else {
            return;
        };
        let waker = Waker::from(Arc::new(TaskWaker {
            remote: self.remote.clone(),
            task: id,
        }));
        if task
            .as_mut()
            .poll(&mut TaskContext::from_waker(&waker))
            .is_ready()
        {
            self.tasks[id] = None;
            self.free_tasks.push(id);
        }
    }

    fn poll_ready_tasks(&mut self) {
        let ready = std::mem::take(&mut *lock(&self.remote.ready_tasks));
        for id in ready {
            self.poll_task(id);
        }
    }

    /// Bookkeeping after a run: stopped actors leave the name directory, their sockets close,
    /// their cross-loop watchers are told.
    fn after_run(&mut self, shared: &Shared) {
        let stopped = std::mem::take(&mut *self.stopped.borrow_mut());
        if !stopped.is_empty() {
            let mut names = lock(&shared.names);
            for (id, reason) in stopped {
                if let Some(name) = self.names.borrow_mut().remove(&id) {
                    if names.get(&name) == Some(&id) {
                        names.remove(&name);
                    }
                }
                self.io.borrow_mut().actor_stopped(id);
                for watcher in self.watches.remove(&id).unwrap_or_default() {
                    watcher.send(Ok(reason.clone()));
                }
            }
        }
        self.io.borrow_mut().after_run(&mut self.system);
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
}

/// What code running on a loop thread can reach.
#[derive(Clone)]
pub(crate) struct Current {
    pub(crate) handle: Handle,
    pub(crate) index: usize,
    pub(crate) io: Rc<RefCell<IoRegistry>>,
}

/// Runs `f` with this thread's loop, if this is a loop thread.
pub(crate) fn with_current<R>(f: impl FnOnce(&Current) -> R) -> Option<R> {
    CURRENT.with(|c| c.borrow().as_ref().map(f))
}

/// The core's clock for a loop: nanoseconds since the engine started.
fn now(epoch: StdInstant) -> Instant {
    Instant::from_nanos(u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX))
}

/// How a loop is set up.
pub(crate) struct LoopConfig {
    pub(crate) index: usize,
    pub(crate) system: SystemConfig,
    pub(crate) budget: usize,
    pub(crate) epoch: StdInstant,
    pub(crate) signals: Option<UnixStream>,
}

/// The loop itself. Returns when the engine shuts down, after stopping every actor.
pub(crate) fn run(shared: Arc<Shared>, config: LoopConfig) {
    let remote = shared.loops[config.index].clone();
    let mut system = System::with_config(config.system);
    let stopped = Rc::new(RefCell::new(Vec::new()));
    let names = Rc::new(RefCell::new(BTreeMap::new()));
    {
        let (stopped, names, shared) = (stopped.clone(), names.clone(), shared.clone());
        system.observe(move |event| match event {
            SystemEvent::Spawned {
                id,
                name: Some(name),
                ..
            } => {
                lock(&shared.names).entry(name.to_string()).or_insert(*id);
                names.borrow_mut().insert(*id, name.to_string());
            }
            SystemEvent::Stopped { id, reason } => {
                stopped.borrow_mut().push((*id, (*reason).clone()))
            }
            _ => {}
        });
    }
    let io = Rc::new(RefCell::new(IoRegistry::new(remote.poller.clone())));
    let mut state = LoopState {
        system,
        remote: remote.clone(),
        tasks: Vec::new(),
        free_tasks: Vec::new(),
        io: io.clone(),
        stopped,
        names,
        watches: BTreeMap::new(),
        closing: false,
        inspector: None,
        epoch: config.epoch,
    };
    CURRENT.with(|c| {
        *c.borrow_mut() = Some(Current {
            handle: Handle::from_shared(shared.clone()),
            index: config.index,
            io,
        })
    });
    if let Some(pipe) = &config.signals {
        // SAFETY: the pipe is deleted from the poller below, before it is dropped.
        let _ = unsafe {
            remote
                .poller
                .add(pipe, polling::Event::readable(SIGNAL_KEY))
        };
    }

    let mut events = Events::new();
    let mut batch = Vec::new();
    while !shared.is_shutting_down() {
        std::mem::swap(&mut batch, &mut *lock(&remote.queue));
        for command in batch.drain(..) {
            command(&mut state);
        }
        state.poll_ready_tasks();
        let started = now(config.epoch);
        let report = state.system.run(started, config.budget);
        state.after_run(&shared);

        let mut timeout = if report.more {
            Some(Duration::ZERO)
        } else {
            report
                .next_deadline
                .map(|d| d.saturating_duration_since(now(config.epoch)))
        };
        if timeout != Some(Duration::ZERO) {
            remote.sleeping.store(true, SeqCst);
            // Re-check after announcing the sleep: a producer that pushed before seeing the
            // flag would not notify.
            let pending = !lock(&remote.queue).is_empty() || !lock(&remote.ready_tasks).is_empty();
            if pending || shared.is_shutting_down() {
                remote.sleeping.store(false, SeqCst);
                timeout = Some(Duration::ZERO);
            }
        }
        events.clear();
        let _ = remote.poller.wait(&mut events, timeout);
        remote.sleeping.store(false, SeqCst);
        for event in events.iter() {
            if event.key == SIGNAL_KEY {
                shared.begin_shutdown();
            } else {
                state.io.borrow_mut().dispatch(event, &mut state.system);
            }
        }
    }

    // Graceful shutdown: stop every actor (leaves first, running `stopped` hooks), then let
    // commands that raced the shutdown run: their messages find no actor and become dead
    // letters, their spawns are refused, nothing waits forever.
    state.closing = true;
    state.system.shutdown();
    let leftovers = std::mem::take(&mut *lock(&remote.queue));
    for command in leftovers {
        command(&mut state);
    }
    state.system.run(now(config.epoch), usize::MAX);
    state.after_run(&shared);
    state.io.borrow_mut().close_all();
    if let Some(pipe) = &config.signals {
        let _ = remote.poller.delete(pipe);
    }
    shared.loop_exited(&state.system);
    CURRENT.with(|c| *c.borrow_mut() = None);
}
