//! [`Engine`]: N event loops on N threads (one per core by default), and how to start and stop
//! them.

use std::fmt;
use std::net::SocketAddr;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant as StdInstant;

use backstage_core::{SystemConfig, SystemMetrics};

use crate::event_loop::{self, lock, LoopConfig, Remote};
use crate::handle::{Handle, Shared};
use crate::inspector::{self, InspectorOptions};

/// How an [`Engine`] is set up.
#[derive(Clone, Debug)]
pub struct EngineBuilder {
    loops: usize,
    system: SystemConfig,
    budget: usize,
    signals: bool,
    inspector: Option<InspectorOptions>,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            loops: std::thread::available_parallelism().map_or(1, |n| n.get()),
            system: SystemConfig::default(),
            budget: 4096,
            signals: false,
            inspector: None,
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

    /// Serves the inspector protocol over WebSocket on 127.0.0.1:`port` (0: a free port; see
    /// [`Engine::inspector_addr`]), for every loop (see [`inspector`](crate::inspector)).
    /// Off by default.
    pub fn inspector(self, port: u16) -> Self {
        self.inspector_with(InspectorOptions::new(port))
    }

    /// [`inspector`](EngineBuilder::inspector) with more settings: another address (loopback
    /// only, unless [explicitly exposed](InspectorOptions::expose_beyond_loopback)), event
    /// retention, the redaction of dead letters, allowed page origins.
    pub fn inspector_with(mut self, options: InspectorOptions) -> Self {
        self.inspector = Some(options);
        self
    }

    /// Starts the loops (and the inspector endpoint, if configured). Fails without starting
    /// anything if the endpoint cannot bind, or would bind beyond loopback without the opt-in.
    pub fn start(self) -> std::io::Result<Engine> {
        let inspector_socket = match &self.inspector {
            Some(options) => Some(inspector::bind(options)?),
            None => None,
        };
        let inspector_addr = match &inspector_socket {
            Some(socket) => Some(socket.local_addr()?),
            None => None,
        };
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
        if let (Some(socket), Some(options)) = (inspector_socket, self.inspector) {
            match inspector::spawn(socket, shared.clone(), options) {
                Ok(thread) => threads.push(thread),
                Err(e) => {
                    shared.begin_shutdown();
                    for thread in threads {
                        let _ = thread.join();
                    }
                    return Err(e);
                }
            }
        }
        Ok(Engine {
            handle: Handle::from_shared(shared.clone()),
            shared,
            threads,
            inspector_addr,
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
    inspector_addr: Option<SocketAddr>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("loops", &self.handle.loops())
            .field("inspector", &self.inspector_addr)
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

    /// Where the inspector endpoint listens (`ws://ADDR/`), if it is on.
    pub fn inspector_addr(&self) -> Option<SocketAddr> {
        self.inspector_addr
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
