//! Backstage in JavaScript hosts: a driver that runs the core's
//! [`System`](backstage_core::System) on the event loop (microtasks, macrotasks between busy
//! drains, one `setTimeout` for timers) and a raw, handle-based API exported through
//! wasm-bindgen, for the hand-written TypeScript package to wrap.
//!
//! # The JavaScript API
//!
//! ```js
//! const rt = new Runtime({ sliceMs: 4 });           // every option is optional
//! const counter = rt.spawn(() => {                   // a factory: fresh state per (re)start
//!   let n = 0;
//!   return { receive(message, sender, self) { n += message; return n; } };
//! }, { name: 'counter', capacity: 64, overflow: 'reject' });   // a 3rd argument: the parent
//! rt.tell(counter, 2);                               // undefined, or why it was not sent
//! const five = await new Promise((resolve, reject) => {
//!   const refused = rt.ask(counter, 3, 1000, resolve, reject);
//!   if (refused) reject(refused);
//! });
//! ```
//!
//! - **Actor ids** are whole numbers (1 + [`ActorId::local_number`](backstage_core::ActorId::local_number)):
//!   a call passes no string and `===` compares ids. A number that is no id is
//!   `NO_SUCH_ACTOR`; other values are converted to numbers by the generated glue (as
//!   JavaScript's `+value`), so `"1"` names actor 1: the typed layer only ever passes ids it
//!   was given. The text
//!   form `"node.index.generation"` is the TypeScript layer's to make (`node` is a getter).
//! - **Errors** are `Error`s with a stable `code`: the core's codes (`NO_SUCH_ACTOR`,
//!   `ACTOR_STOPPED`, `MAILBOX_FULL`, `UNROUTABLE`, `ASK_TIMEOUT`, `HANDLER_FAILED`,
//!   `NO_REPLY`, `NAME_TAKEN`, `TYPE_MISMATCH`) and this layer's: `RUNTIME_SHUT_DOWN` (any call
//!   after [`Runtime::shutdown`]), `RUNTIME_ABORTED` (any call after a panic aborted the
//!   instance), `INVALID_ARGUMENT` (a malformed option, behaviour or timeout),
//!   `INVALID_MESSAGE` (a value that does not fit an exported Rust actor's message type) and
//!   `RUNTIME_BUSY` (a call from code the runtime runs while it holds the system: an `ask`'s
//!   `resolve`/`reject` may run at once, so pass a promise's, which defer). No input makes the
//!   module panic. `tell` and `ask`, the calls made once per message, *return* their error
//!   (`undefined` when the message was sent): a method that may throw hands every result back
//!   through an array allocated per call (≈ 40 ns a call in Node 20).
//!   Every other method throws.
//! - **Behaviours**: `spawn` takes either an object `{ receive(message, sender, self),
//!   started?(self), stopped?(self), terminated?(id, reason, self) }` or a factory
//!   `() => behaviour`. `sender` is the sending actor's id, or `-1` when the message came from
//!   outside an actor. A supervisor's restart (a handler threw, or its promise rejected) calls
//!   the factory again, so state kept in the factory's closure starts fresh; a plain object is
//!   reused as is, with whatever state it holds, and its `started` runs again.
//! - **Async handlers**: when `receive` (or `started`, `terminated`) returns a promise or
//!   thenable, the actor takes no further message until it settles; an ask is answered with
//!   its value, and a rejection fails the asker with `HANDLER_FAILED` and goes to the
//!   supervisor like a throw.
//! - **Inside handlers** every method works (it goes through the running actor's context,
//!   which is then the `sender`, for asks too), and `spawn` returns the new id at once.
//!   Spawning children, listing them and watching name the actor explicitly (`parent`,
//!   `children(id)`, `watch(watcher, target)`), so they work after an `await` too.
//! - **Rust actors** exported with [`export`] are spawned by name (`spawnRust`) and called
//!   with the same `tell`/`ask`: see [`Exported`].
//! - **Events** (`onEvent`): plain objects `{ type: 'spawned' | 'failed' | 'restarted' |
//!   'stopped' | 'deadLetter', ... }`, delivered after the step that caused them, when the
//!   listener may call the runtime again.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod abort;
mod actor;
mod builtins;
mod convert;
mod driver;
mod exported;
mod js;
mod ops;
mod proxy;

use std::rc::Rc;

pub use crate::builtins::{Counter, CounterMsg, CounterOp, Stats, StatsProxy, Summary};
pub use crate::exported::{export, Exported};
pub use crate::proxy::{call_js, export_methods};

use backstage_core::{ActorId, Topic};
use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::actor::{JsActor, JsMessage, Published, Source};
use crate::convert::{string_arg, INVALID_ARGUMENT};
use crate::driver::Driver;
use crate::js::error;

/// One actor runtime: a core [`System`](backstage_core::System) driven by the JavaScript event
/// loop. Cloning (in Rust) shares the same runtime.
#[wasm_bindgen]
#[derive(Clone)]
pub struct Runtime {
    driver: Rc<Driver>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("shut_down", &self.driver.is_shut_down())
            .finish_non_exhaustive()
    }
}

#[wasm_bindgen]
impl Runtime {
    /// `new Runtime({ node?, defaultCapacity?, quantum?, budget?, sliceMs?,
    /// deadLetterRetention?, supervisor? })`: a drain runs the core in steps of at most
    /// `budget` messages (256) and yields to the host once it has run `sliceMs` (4);
    /// `supervisor` (`{ strategy?, onFailure?, maxRestarts?, withinMs? }`) is how top-level
    /// actors are supervised.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Runtime, JsValue> {
        abort::install();
        if abort::aborted() {
            return Err(abort::aborted_error());
        }
        builtins::export_all();
        let options = convert::runtime_options(&options)?;
        Ok(Runtime {
            driver: Driver::new(options),
        })
    }

    /// `Runtime.onAbort(listener)`: `listener(message)` runs if a Rust panic aborts this
    /// WebAssembly instance, just before it traps. It must not call into the instance (every
    /// call fails with `RUNTIME_ABORTED` from then on); it can schedule its work.
    #[wasm_bindgen(js_name = onAbort)]
    pub fn on_abort(listener: &JsValue) -> Result<(), JsValue> {
        let listener = listener
            .dyn_ref::<Function>()
            .ok_or_else(|| error(INVALID_ARGUMENT, "onAbort takes a function"))?;
        abort::listen(listener.clone());
        Ok(())
    }

    /// Makes this runtime's next drain panic with `message`, as a bug in the runtime would, so
    /// that tests can check what an abort does. The instance is unusable afterwards.
    #[wasm_bindgen(js_name = abortForTesting)]
    pub fn abort_for_testing(&self, message: String) {
        self.driver.panic_in_next_drain(message);
    }

    /// This runtime's node number (the first part of an id's text form).
    #[wasm_bindgen(getter)]
    pub fn node(&self) -> u32 {
        self.driver.node().0
    }

    /// Spawns an actor from a behaviour object or factory; returns its id. Options: `{ name?,
    /// capacity?, overflow?: 'reject' | 'dropOldest' | 'dropNewest', supervisor? }`. With a
    /// `parent` id (not 0), the actor is its child: supervised by it, stopped before it.
    pub fn spawn(
        &self,
        behaviour: JsValue,
        options: JsValue,
        parent: &JsValue,
    ) -> Result<f64, JsValue> {
        self.driver.check_open()?;
        let parent = self.parent(parent)?;
        let source = Source::from_js(behaviour)?;
        let options = convert::spawn_options(&options)?;
        let factory = JsActor::factory(Rc::downgrade(&self.driver), source);
        let addr = self
            .driver
            .call(true, |ops| match parent {
                Some(parent) => ops.spawn_child_of(parent, options, factory),
                None => ops.spawn(options, factory),
            })?
            .map_err(convert::spawn_error)?;
        Ok(self.driver.id_to_f64(addr.id()))
    }

    /// The live actor called `name`, spawned from `behaviour` first if there is none (a
    /// virtual actor: the same name always reaches one instance).
    #[wasm_bindgen(js_name = getOrSpawn)]
    pub fn get_or_spawn(&self, name: &JsValue, behaviour: JsValue) -> Result<f64, JsValue> {
        self.driver.check_open()?;
        let name = string_arg(name, "name")?;
        let source = Source::from_js(behaviour)?;
        let factory = JsActor::factory(Rc::downgrade(&self.driver), source);
        let addr = self
            .driver
            .call(true, |ops| ops.get_or_spawn(&name, factory))?
            .map_err(convert::spawn_error)?;
        Ok(self.driver.id_to_f64(addr.id()))
    }

    /// Spawns the exported Rust actor called `kind` (see `exportedActors`); options and
    /// `parent` as for `spawn`. Calls to it convert JavaScript values into its message type
    /// (`INVALID_MESSAGE` if one does not fit), or read a `Uint8Array` as the message's CBOR
    /// encoding (and answer with CBOR bytes).
    #[wasm_bindgen(js_name = spawnRust)]
    pub fn spawn_rust(
        &self,
        kind: &JsValue,
        options: JsValue,
        parent: &JsValue,
    ) -> Result<f64, JsValue> {
        self.driver.check_open()?;
        let parent = self.parent(parent)?;
        let name = string_arg(kind, "kind")?;
        let codec = exported::kind(&name).ok_or_else(|| {
            error(
                INVALID_ARGUMENT,
                &format!(
                    "no Rust actor is exported as '{name}' (exported: {})",
                    exported::names().join(", ")
                ),
            )
        })?;
        let options = convert::spawn_options(&options)?;
        let id = self
            .driver
            .call(true, |ops| ops.spawn_exported(codec, options, parent))?
            .map_err(convert::spawn_error)?;
        self.driver.add_rust(id, driver::RustKind::Messages(codec));
        Ok(self.driver.id_to_f64(id))
    }

    /// The names of the Rust actors this module exports, sorted.
    #[wasm_bindgen(js_name = exportedActors)]
    pub fn exported_actors() -> Array {
        builtins::export_all();
        exported::names()
            .into_iter()
            .map(JsValue::from_str)
            .collect()
    }

    /// Sends `message` without waiting for a reply. Returns `undefined`, or why it was not sent
    /// (an `Error` with a `code`): returned, not thrown, because a method that can throw
    /// returns its result through an array allocated per call.
    pub fn tell(&self, id: f64, message: JsValue) -> JsValue {
        refusal(self.driver.tell(id, JsMessage(message)))
    }

    /// Sends `message`; `resolve(reply)` gets what `receive` returned (or what its promise
    /// resolved to), `reject(error)` why there is none: `ASK_TIMEOUT` after `timeoutMs` (if
    /// given), `ACTOR_STOPPED`, `HANDLER_FAILED`, ... Returns `undefined`, or (without calling
    /// either function) why the request was not sent, as `tell` does.
    pub fn ask(
        &self,
        id: f64,
        message: JsValue,
        timeout_ms: Option<f64>,
        resolve: Function,
        reject: Function,
    ) -> JsValue {
        let send = || -> Result<(), JsValue> {
            let to = self.driver.id(id)?;
            let timeout = convert::timeout(timeout_ms)?;
            if !(resolve.is_function() && reject.is_function()) {
                return Err(error(
                    INVALID_ARGUMENT,
                    "ask takes resolve and reject functions",
                ));
            }
            self.driver.ask(to, message, timeout, resolve, reject)
        };
        refusal(send())
    }

    /// Stops the actor on its next turn, before the messages it has queued (they become dead
    /// letters).
    pub fn stop(&self, id: f64) -> Result<(), JsValue> {
        let id = self.driver.id(id)?;
        self.driver
            .call(true, |ops| ops.stop(id))?
            .map_err(convert::send_error)
    }

    /// Sends a poison pill: the actor handles what is already queued, then stops.
    pub fn poison(&self, id: f64) -> Result<(), JsValue> {
        let id = self.driver.id(id)?;
        self.driver
            .call(true, |ops| ops.poison(id))?
            .map_err(convert::send_error)
    }

    /// The id of the live actor called `name`, or `undefined`.
    pub fn lookup(&self, name: &JsValue) -> Result<Option<f64>, JsValue> {
        let name = string_arg(name, "name")?;
        Ok(self
            .driver
            .call(false, |ops| ops.lookup(&name))?
            .map(|id| self.driver.id_to_f64(id)))
    }

    /// True if `id` is a live actor.
    #[wasm_bindgen(js_name = isAlive)]
    pub fn is_alive(&self, id: f64) -> Result<bool, JsValue> {
        let id = self.driver.id(id)?;
        self.driver.call(false, |ops| ops.is_alive(id))
    }

    /// The live children of `id`, in spawn order.
    pub fn children(&self, id: f64) -> Result<Array, JsValue> {
        let id = self.driver.id(id)?;
        let children = self.driver.call(false, |ops| ops.children_of(id))?;
        Ok(children
            .into_iter()
            .map(|id| JsValue::from_f64(self.driver.id_to_f64(id)))
            .collect())
    }

    /// `watcher` watches `target`: when `target` stops, the watcher's `terminated(id, reason,
    /// self)` hook runs (at once if `target` is already gone).
    pub fn watch(&self, watcher: f64, target: f64) -> Result<(), JsValue> {
        self.watching(watcher, target, true)
    }

    /// `watcher` stops watching `target`.
    pub fn unwatch(&self, watcher: f64, target: f64) -> Result<(), JsValue> {
        self.watching(watcher, target, false)
    }

    /// Publishes `message` on the global topic `topic`; returns how many subscribers get it.
    pub fn publish(&self, topic: &JsValue, message: JsValue) -> Result<u32, JsValue> {
        let topic = Topic::global(&string_arg(topic, "topic")?);
        let sent = self
            .driver
            .call(true, |ops| ops.publish(&topic, Published(Rc::new(message))))?;
        Ok(u32::try_from(sent).unwrap_or(u32::MAX))
    }

    /// Subscribes actor `id` to the global topic `topic`.
    /// (A Rust actor cannot subscribe from JavaScript: its publications would be JavaScript
    /// values it has no handler for. That is `TYPE_MISMATCH`.)
    pub fn subscribe(&self, topic: &JsValue, id: f64) -> Result<(), JsValue> {
        let topic = Topic::global(&string_arg(topic, "topic")?);
        let id = self.driver.id(id)?;
        self.driver.call(false, |ops| match ops.addr_of(id) {
            Some(addr) => ops.subscribe(&topic, &addr).map_err(convert::topic_error),
            None if ops.is_alive(id) => Err(error(
                "TYPE_MISMATCH",
                "only JavaScript actors subscribe to topics from JavaScript",
            )),
            None => Err(convert::topic_error(
                backstage_core::TopicError::SubscriberGone(id),
            )),
        })?
    }

    /// Unsubscribes actor `id` from `topic`; true if it was subscribed.
    pub fn unsubscribe(&self, topic: &JsValue, id: f64) -> Result<bool, JsValue> {
        let topic = Topic::global(&string_arg(topic, "topic")?);
        let id = self.driver.id(id)?;
        self.driver.call(false, |ops| ops.unsubscribe(&topic, id))
    }

    /// The system-wide counters: `{ sent, delivered, rejected, deadLetters,
    /// deadLettersByReason, spawned, stopped, failures, restarts, liveActors }`.
    pub fn metrics(&self) -> Result<JsValue, JsValue> {
        self.driver
            .call(false, |ops| convert::metrics(ops.metrics()))
    }

    /// The most recent dead letters: `[{ to, from, reason, messageType, message }]`.
    #[wasm_bindgen(js_name = deadLetters)]
    pub fn dead_letters(&self) -> Result<Array, JsValue> {
        let node = self.driver.node();
        self.driver.call(false, |ops| {
            ops.dead_letters()
                .into_iter()
                .map(|letter| convert::dead_letter(node, letter))
                .collect()
        })
    }

    /// A snapshot of every live actor, in id order, as one table `{ at, columns, types,
    /// names }` (see `convert::actor_table`; `at` is the runtime's clock in milliseconds).
    /// For inspectors: reading it costs the runtime nothing between calls. Not from inside a
    /// handler (`RUNTIME_BUSY`).
    pub fn actors(&self) -> Result<JsValue, JsValue> {
        self.driver.with_system(|system, now| {
            convert::actor_table(&self.driver, &system.actors(), now.as_nanos() as f64 / 1e6)
        })
    }

    /// The topics with subscribers: `[{ name, owner, subscribers }]` (`owner`: the id of the
    /// actor whose topic it is, or `null` for global topics and streams).
    pub fn topics(&self) -> Result<Array, JsValue> {
        self.driver.with_system(|system, _| {
            system
                .topics()
                .iter()
                .map(|(topic, subscribers)| convert::topic(&self.driver, topic, *subscribers))
                .collect()
        })
    }

    /// Calls `callback(event)` for every later spawn, failure, restart, stop and dead letter.
    #[wasm_bindgen(js_name = onEvent)]
    pub fn on_event(&self, callback: &JsValue) -> Result<(), JsValue> {
        self.driver.check_open()?;
        let callback = callback
            .dyn_ref::<Function>()
            .ok_or_else(|| error(INVALID_ARGUMENT, "onEvent takes a function"))?;
        self.driver.add_listener(callback.clone());
        Ok(())
    }

    /// Removes a listener added with `onEvent`; true if it was there.
    #[wasm_bindgen(js_name = offEvent)]
    pub fn off_event(&self, callback: &JsValue) -> Result<bool, JsValue> {
        self.driver.check_open()?;
        Ok(self.driver.remove_listener(callback))
    }

    /// Stops every actor (running their `stopped` hooks; queued messages become dead letters,
    /// pending asks reject). Every later call throws `RUNTIME_SHUT_DOWN`; calling `shutdown`
    /// again does nothing. Called from a handler, the actors stop once the current drain step
    /// ends.
    pub fn shutdown(&self) {
        self.driver.shutdown();
    }

    /// True once `shutdown` has been called.
    #[wasm_bindgen(getter, js_name = isShutDown)]
    pub fn is_shut_down(&self) -> bool {
        self.driver.is_shut_down()
    }
}

/// `undefined` for a sent message, else the error.
fn refusal(sent: Result<(), JsValue>) -> JsValue {
    sent.err().unwrap_or(JsValue::UNDEFINED)
}

impl Runtime {
    fn watching(&self, watcher: f64, target: f64, on: bool) -> Result<(), JsValue> {
        let (watcher, target) = (self.driver.id(watcher)?, self.driver.id(target)?);
        self.driver
            .call(false, |ops| ops.watch_as(watcher, target, on))?
            .map_err(convert::send_error)
    }

    /// A `parent` argument: `undefined`, `null` or 0 for none, else a live actor's id (a
    /// value of another type is `NO_SUCH_ACTOR`).
    fn parent(&self, parent: &JsValue) -> Result<Option<ActorId>, JsValue> {
        if parent.is_undefined() || parent.is_null() {
            return Ok(None);
        }
        match parent.as_f64() {
            Some(0.0) => Ok(None),
            Some(id) => self.driver.id(id).map(Some),
            None => self.driver.id(f64::NAN).map(Some),
        }
    }
}
