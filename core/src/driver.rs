//! The driver contract, and [`ManualDriver`]: a deterministic driver on a virtual clock.
//!
//! A driver owns the [`System`] and gives it time and turns:
//!
//! 1. call [`System::run`]`(now, budget)` when there is work;
//! 2. if the report says `more`, run again soon (a native loop at once; a browser driver after
//!    yielding to the host so rendering and input are not starved);
//! 3. otherwise sleep until `next_deadline`, or until woken: by its own callers (they know
//!    when they sent something) or by the [pender](System::set_pender), which the core calls
//!    when work appears that no caller caused.
//!
//! The native driver does this around `polling::Poller::wait`, the wasm driver around
//! `queueMicrotask` and `setTimeout`; [`ManualDriver`] does it on a clock that only moves when
//! a test says so.

use core::future::Future;
use core::ops::{Deref, DerefMut};
use core::pin::pin;
use core::task::{Context as TaskContext, Poll, Waker};
use core::time::Duration;

use crate::time::Instant;
use crate::System;

/// Runs a [`System`] on virtual time: nothing happens until the test says so, so timers,
/// timeouts and supervision intensity are tested exactly, without sleeping.
///
/// ```
/// use backstage_core::{Actor, ActorError, Context, Handler, ManualDriver, Message, Runtime};
/// use core::time::Duration;
///
/// struct Ticks(u32);
/// impl Actor for Ticks {}
/// #[derive(Clone)]
/// struct Tick;
/// impl Message for Tick { type Reply = (); }
/// impl Handler<Tick> for Ticks {
///     fn handle(&mut self, _: Tick, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
///         self.0 += 1;
///         Ok(())
///     }
/// }
/// struct Count;
/// impl Message for Count { type Reply = u32; }
/// impl Handler<Count> for Ticks {
///     fn handle(&mut self, _: Count, _: &mut Context<'_, Self>) -> Result<u32, ActorError> {
///         Ok(self.0)
///     }
/// }
///
/// let mut driver = ManualDriver::default();
/// let ticks = driver.spawn(|| Ticks(0));
/// driver.send_every(&ticks, Tick, Duration::from_millis(10));
/// driver.advance(Duration::from_millis(35));
/// let count = driver.system.ask(&ticks, Count);
/// assert_eq!(driver.block_on(count), Some(Ok(3)));
/// ```
#[derive(Debug)]
pub struct ManualDriver {
    /// The system being driven.
    pub system: System,
    now: Instant,
    budget: usize,
}

impl ManualDriver {
    /// Drives `system`, starting at time zero.
    pub fn new(system: System) -> Self {
        ManualDriver {
            system,
            now: Instant::ZERO,
            budget: 1024,
        }
    }

    /// The virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Runs until no work is left at the current time; returns the steps processed.
    ///
    /// An actor that keeps sending to itself keeps it busy forever: use
    /// [`run_steps`](ManualDriver::run_steps) for such systems.
    pub fn run_until_idle(&mut self) -> usize {
        let mut total = 0;
        loop {
            let report = self.system.run(self.now, self.budget);
            total += report.processed;
            if !report.more {
                return total;
            }
        }
    }

    /// Runs at most `budget` steps at the current time.
    pub fn run_steps(&mut self, budget: usize) -> usize {
        self.system.run(self.now, budget.max(1)).processed
    }

    /// Moves the clock forward by `by`, firing every timer that falls due on the way, in
    /// order, and running the system after each.
    pub fn advance(&mut self, by: Duration) -> usize {
        let target = self.now + by;
        let mut total = self.run_until_idle();
        while let Some(deadline) = self.system.next_deadline().filter(|d| *d <= target) {
            self.now = self.now.max(deadline);
            total += self.run_until_idle();
        }
        self.now = target;
        total + self.run_until_idle()
    }

    /// Runs the system until `future` completes, jumping the clock to the next timer whenever
    /// it is idle. `None` if the system goes idle with no timer left and the future still
    /// waits (it would never complete).
    pub fn block_on<F: Future>(&mut self, future: F) -> Option<F::Output> {
        let mut future = pin!(future);
        let mut cx = TaskContext::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return Some(output);
            }
            if self.run_until_idle() > 0 {
                continue;
            }
            // Idle: the last run may still have completed it (a timer expiring an ask).
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return Some(output);
            }
            let deadline = self.system.next_deadline()?;
            self.now = self.now.max(deadline);
        }
    }
}

impl Default for ManualDriver {
    fn default() -> Self {
        ManualDriver::new(System::new())
    }
}

impl Deref for ManualDriver {
    type Target = System;
    fn deref(&self) -> &System {
        &self.system
    }
}

impl DerefMut for ManualDriver {
    fn deref_mut(&mut self) -> &mut System {
        &mut self.system
    }
}
