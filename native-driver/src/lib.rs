//! Runs Backstage actors natively: one event loop per core on the `polling` crate.
//!
//! Each loop is a thread that owns a [`backstage_core::System`]. It runs the system whenever
//! there is work, and otherwise sleeps in its poller until the next timer is due, a socket is
//! ready, or another thread hands it work through a [`Handle`] (which wakes it with
//! `Poller::notify`). An idle engine uses no CPU.
//!
//! ```
//! use backstage_core::{Actor, ActorError, Context, Handler, Message};
//! use backstage_native_driver::Engine;
//!
//! struct Greeter;
//! impl Actor for Greeter {}
//! struct Greet(String);
//! impl Message for Greet { type Reply = String; }
//! impl Handler<Greet> for Greeter {
//!     fn handle(&mut self, Greet(name): Greet, _: &mut Context<'_, Self>) -> Result<String, ActorError> {
//!         Ok(format!("Hello, {name}!"))
//!     }
//! }
//!
//! let engine = Engine::builder().loops(1).start().unwrap();
//! let handle = engine.handle();                         // Send + Sync: use it from any thread
//! let greeter = handle.spawn(|| Greeter).wait().unwrap();
//! let reply = handle.ask(&greeter, Greet("native".into())).wait();
//! assert_eq!(reply.as_deref(), Ok("Hello, native!"));
//! engine.shutdown_and_join();                           // stops every actor, leaves first
//! ```
//!
//! Actors on one loop talk through their `Context` as in the core. Across loops they use the
//! [`Handle`] ([`Handle::current`] on a loop thread): its messages must be `Send`, and a
//! `Context::tell` to an actor of another loop fails with
//! [`SendError::Unroutable`](backstage_core::SendError::Unroutable) rather than pretending.
//! An `#[actor]` is reached from any thread or loop by id in wire form:
//! [`Handle::activate`] (created on first use, on the loop its id hashes to) and
//! [`Handle::call`] (the method's message encoded as a CBOR call frame, decoded by the owning
//! loop; arguments need only be serde types).
//!
//! [`EngineBuilder::inspector`] (off by default) serves the inspector protocol over a
//! WebSocket on 127.0.0.1: snapshots of every loop's actors, the event feed, and `stop` /
//! `send` commands, for the inspector page (see [`inspector`] and
//! `docs/inspector-protocol.md`; `cargo run -p backstage-native-driver --example inspected`).
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod calls;
mod engine;
mod error;
mod event_loop;
mod handle;
pub mod inspector;
pub mod io;
mod oneshot;

pub use engine::{Engine, EngineBuilder};
pub use error::EngineError;
pub use handle::Handle;
pub use inspector::InspectorOptions;
pub use oneshot::Reply;
