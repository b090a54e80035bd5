//! The actor model of Backstage, with no clock, thread or event loop of its own.
//!
//! An **actor** is private state plus handlers. It lives in a [`System`], which keeps every
//! actor in a registry, gives each a bounded mailbox, and runs them a few messages at a time.
//! You talk to an actor through its [`Addr`], a typed, copyable handle:
//!
//! ```
//! use backstage_core::{Actor, ActorError, Context, Handler, ManualDriver, Message, Runtime};
//!
//! // 1. An actor is any type that implements `Actor` (every lifecycle hook has a default).
//! struct Greeter {
//!     greeted: u32,
//! }
//! impl Actor for Greeter {}
//!
//! // 2. A message type says what its reply is.
//! struct Greet(String);
//! impl Message for Greet {
//!     type Reply = String;
//! }
//!
//! // 3. A handler per message type.
//! impl Handler<Greet> for Greeter {
//!     fn handle(&mut self, Greet(name): Greet, _ctx: &mut Context<'_, Self>) -> Result<String, ActorError> {
//!         self.greeted += 1;
//!         Ok(format!("Hello, {name}! (#{})", self.greeted))
//!     }
//! }
//!
//! // 4. A driver gives the system time and turns. `ManualDriver` is the deterministic one used
//! //    in tests; the native and wasm drivers run the same system on real loops.
//! let mut driver = ManualDriver::default();
//! let greeter = driver.spawn(|| Greeter { greeted: 0 });
//!
//! // `tell` is fire-and-forget; `ask` returns a future of the reply.
//! driver.tell(&greeter, Greet("World".into())).unwrap();
//! let reply = driver.system.ask(&greeter, Greet("Zig".into()));
//! assert_eq!(driver.block_on(reply), Some(Ok("Hello, Zig! (#2)".to_string())));
//! ```
//!
//! # The model
//!
//! - **Spawning** ([`Runtime::spawn`], [`Runtime::spawn_with`], [`Context::spawn_child`],
//!   [`Runtime::get_or_spawn`]) takes a factory, so a supervisor can build a fresh instance
//!   when it restarts an actor. Names are unique; ids carry a generation, so a stale address
//!   never reaches an actor that reuses its slot.
//! - **Messages** are typed ([`Message`], [`Handler`]), or raw [`Envelope`]s for untyped and
//!   foreign payloads ([`Actor::receive`]). `tell` fails fast with a [`SendError`];
//!   [`System::ask`] returns an [`Ask`] future; inside a handler, [`Context::ask`] hands the
//!   reply to a continuation, so an actor never blocks the loop waiting.
//! - **Mailboxes** are bounded, with an [`Overflow`] policy, and [`System::send`] waits for
//!   space. Stop requests overtake queued messages; a [poison pill](Runtime::poison) does not.
//! - **Scheduling**: [`System::run`] gives each runnable actor a quantum of messages in turn
//!   and reports whether work remains and when the next timer is due.
//! - **Topics** ([`Topic`], [`Stream`]) fan messages out to subscribers, in publication order.
//! - **Supervision** ([`Supervisor`]): a failing handler suspends its actor and its parent
//!   decides to restart, resume, stop or escalate, within a restart intensity.
//! - **Dead letters**: every message that cannot be delivered is counted and observable with
//!   its reason ([`DeadLetter`], [`System::observe`]). Nothing disappears silently:
//!   `sent == delivered + dead_letters + rejected` once the mailboxes are empty.
//! - **Timers** ([`Runtime::send_after`], [`Runtime::send_every`]) are data in the core, fired
//!   when the driver's clock passes them.
//! - **Proxies** (seed 000): with the `macros` feature, `#[actor]` on an actor's `impl` makes
//!   its public methods its messages and writes a typed proxy; [`Runtime::actor`] activates
//!   an actor by id on first use and returns it. Proxies wrap an [`ActorRef`], a handle that
//!   sends without borrowing the system ([`proxy`]); [`StreamRef`] does the same for streams.
//! - **Wire form** (feature `cbor`, `wire`): a call as a CBOR frame `[method, [args]]`, with
//!   limits and typed errors, and the `wire::Dispatcher` that turns a frame into the typed
//!   message, for calls that cross a boundary (WebAssembly, loops, processes).
//!
//! See [`driver`] for the contract a driver implements.
#![no_std]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod actor;
mod ask;
mod context;
pub mod driver;
mod envelope;
mod error;
mod id;
pub mod inspect;
mod lifecycle;
mod mailbox;
mod metrics;
pub mod proxy;
mod registry;
mod runtime;
mod scheduler;
mod supervision;
mod system;
mod time;
mod timers;
mod topics;
#[cfg(feature = "cbor")]
pub mod wire;

pub use actor::{Actor, Handler, Message};
pub use ask::{Ask, Responder, SendFuture};
pub use context::Context;
pub use driver::ManualDriver;
pub use envelope::{Envelope, EnvelopeKind, Payload};
pub use error::{ActorError, AskError, FailureKind, SendError, SpawnError, TopicError};
pub use id::{ActorId, Addr, NodeId};
pub use mailbox::Overflow;
pub use metrics::{
    ActorInfo, ActorState, DeadLetter, DeadLetterReason, ObserverId, SystemEvent, SystemMetrics,
};
pub use proxy::{Activate, ActorRef, ProxyActor, StreamRef};
pub use runtime::Runtime;
pub use supervision::{Decision, StopReason, Strategy, Supervisor};
pub use system::{RunReport, SpawnOptions, System, SystemConfig};
pub use time::Instant;
pub use timers::TimerId;
pub use topics::{Stream, Topic};

/// `#[actor]` on an actor's `impl` block: its public methods become its messages, with a typed
/// proxy (feature `macros`; see [`backstage_macros`]).
#[cfg(feature = "macros")]
pub use backstage_macros::actor;

/// The last path segment of a type name, for compact debug output.
pub(crate) fn short_type_name<T: ?Sized>() -> &'static str {
    let full = core::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    match base.rfind("::") {
        Some(i) => &full[i + 2..],
        None => full,
    }
}
