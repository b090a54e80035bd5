//! [`Engine`]: N event loops on N threads (one per core by default), and how to start and stop
//! them.

use std::fmt;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant as StdInstant;

use backstage_core::{SystemConfig, SystemMetrics};

use crate::event_loop::{self, lock, LoopConfig, Remote};
use crate::handle::{Handle, Shared};

/// How an [`Engine`] is set up.
#[derive(Clone, Debug)]
pub struct EngineBuilder {
    loops: usize,
    system: SystemConfig,
    budget: usize,
    signals: bool,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            loops: std::thread::available_parallelism().map_or(1, |n| n.get()),
            system: SystemConfig::default(),
            budget: 4096,
            signals: false,
        }
    }
}

impl EngineBuilder {
    /// How many loops (threads) to run; at least 1. Default: the available parallelism.
    pub fn loops(mut self, loops: usize) -> Self {
        self.loops = loops.max(1);
        self
    }

    /// The configuration of every loop's system. Loop `i` runs node `config.node + i`.
    pub fn system(mut self, config: SystemConfig) -> Self {
        self.system = config;
        self
    }

    /// Messages a loop handles between two looks at its I/O and inbox (default 4096).
    pub fn budget(mut self, budget: usize) -> Self {
        self.budget = budget.max(1);
        self
    }

    /// Shut down gracefully on SIGINT and SIGTERM (default: off; a library should not take
    /// over the process's signals unasked).
    pub fn handle_signals(mut self, on: bool) -> Self {
        self.signals = on;
        self
    }

    /// Starts the loops.
    pub fn start(self) -> std::io::Result<Engine> {
        let remotes = (0..self.loops)
            .map(|_| Remote::new().map(Arc::new))
            .collect::<std::io::Result<Vec<_>>>()?;
        let shared = Arc::new(Shared::new(remotes, self.system.node.0));
        let mut signals = if self.signals {
            let (read, write) = UnixStream::pair()?;
            read.set_nonblocking(true)?;
            for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
                signal_hook::low_level::pipe::register(signal, write.try_clone()?)?;
            }
            Some(read)
        } else {
            None
        };
        let epoch = StdInstant::now();
        let mut threads = Vec::with_capacity(self.loops);
        for index in 0..self.loops {
            let mut system = self.system.clone();
            system.node.0 += index as u32;
            let config = LoopConfig {
                index,
                system,
                budget: self.budget,
                epoch,
                signals: if index == 0 { signals.take() } else { None },
            };
            let shared = shared.clone();
            let thread = std::thread::Builder::new()
                .name(format!("backstage-loop-{index}"))
                .spawn(move || event_loop::run(shared, config))?;
            threads.push(thread);
        }
        Ok(Engine {
            handle: Handle::from_shared(shared.clone()),
            shared,
            threads,
        })
    }
}

/// A running set of event loops. Dropping it shuts it down and waits for the loops.
///
/// ```
/// use backstage_core::{Actor, ActorError, Context, Handler, Message};
/// use backstage_native_driver::Engine;
///
/// struct Counter(u64);
/// impl Actor for Counter {}
/// struct Add(u64);
/// impl Message for Add { type Reply = u64; }
/// impl Handler<Add> for Counter {
///     fn handle(&mut self, Add(n): Add, _: &mut Context<'_, Self>) -> Result<u64, ActorError> {
///         self.0 += n;
///         Ok(self.0)
///     }
/// }
///
/// let engine = Engine::builder().loops(2).start().unwrap();
/// let handle = engine.handle();
/// let counter = handle.spawn(|| Counter(0)).wait().unwrap();
/// handle.tell(&counter, Add(2)).unwrap();
/// assert_eq!(handle.ask(&counter, Add(3)).wait(), Ok(5));
/// engine.shutdown_and_join();
/// ```
pub struct Engine {
    handle: Handle,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("loops", &self.threads.len())
            .finish()
    }
}

impl Engine {
    /// Configure an engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// A handle for spawning and messaging from any thread.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Waits until the engine shuts down (by [`Handle::shutdown`] or a signal) and its loops
    /// have exited. Returns each loop's final counters.
    pub fn join(mut self) -> Vec<SystemMetrics> {
        self.join_threads();
        lock(&self.shared.final_metrics)
            .iter()
            .map(|m| m.clone().unwrap_or_default())
            .collect()
    }

    /// Shuts down gracefully and waits for the loops.
    pub fn shutdown_and_join(self) -> Vec<SystemMetrics> {
        self.handle.shutdown();
        self.join()
    }

    fn join_threads(&mut self) {
        for thread in self.threads.drain(..) {
            // A loop thread only panics on a bug; its error is already printed.
            let _ = thread.join();
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if !self.threads.is_empty() {
            self.handle.shutdown();
            self.join_threads();
        }
    }
}
