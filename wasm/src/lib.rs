//! Backstage in JavaScript hosts: a driver that runs the core's
//! [`System`](backstage_core::System) on the event loop (microtasks, macrotasks between busy
//! drains, one `setTimeout` for timers) and a raw, handle-based API exported through
//! wasm-bindgen, for the hand-written TypeScript package to wrap.
//!
//! # The JavaScript API
//!
//! ```js
//! const rt = new Runtime({ budget: 2048 });          // every option is optional
//! const counter = rt.spawn(() => {                   // a factory: fresh state per (re)start
//!   let n = 0;
//!   return { receive(message, ctx) { n += message; return n; } };
//! }, { name: 'counter', capacity: 64, overflow: 'reject' });
//! rt.tell(counter, 2);
//! await rt.ask(counter, 3, 1000);                   // 5
//! ```
//!
//! - **Actor ids** are strings `"node.index.generation"`. A string that is not one is an error
//!   with code `NO_SUCH_ACTOR`.
//! - **Errors** are `Error`s with a stable `code`: the core's codes (`NO_SUCH_ACTOR`,
//!   `ACTOR_STOPPED`, `MAILBOX_FULL`, `UNROUTABLE`, `ASK_TIMEOUT`, `HANDLER_FAILED`,
//!   `NO_REPLY`, `NAME_TAKEN`, `TYPE_MISMATCH`) and this layer's: `RUNTIME_SHUT_DOWN` (any call
//!   after [`Runtime::shutdown`]), `INVALID_ARGUMENT` (a malformed option, behaviour or
//!   timeout) and `RUNTIME_BUSY` (reading metrics or dead letters inside a handler). No input
//!   makes the module panic.
//! - **Behaviours**: `spawn` takes either an object `{ receive(message, ctx), started?(ctx),
//!   stopped?(ctx) }` or a factory `() => behaviour`. A supervisor's restart (a handler threw,
//!   or its promise rejected) calls the factory again, so state kept in the factory's closure
//!   starts fresh; a plain object is reused as is, with whatever state it holds, and its
//!   `started` runs again. `ctx` is `{ self, sender }` (`sender` is the sending actor's id, or
//!   `undefined` when the message came from outside an actor).
//! - **Async handlers**: when `receive` (or `started`) returns a promise or thenable, the actor
//!   takes no further message until it settles; an ask is answered with its value, and a
//!   rejection fails the asker with `HANDLER_FAILED` and goes to the supervisor like a throw.
//! - **Inside handlers** every method works (it goes through the running actor's context,
//!   which is then the `sender`, for asks too), and `spawn` returns the new id at once.
//!   `metrics()` and `deadLetters()` throw `RUNTIME_BUSY` there.
//! - **Events** (`onEvent`): plain objects `{ type: 'spawned' | 'failed' | 'restarted' |
//!   'stopped' | 'deadLetter', ... }`, delivered after the step that caused them, when the
//!   listener may call the runtime again.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod actor;
mod convert;
mod driver;
mod js;
mod ops;

use std::rc::Rc;

use backstage_core::{Envelope, Topic};
use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::actor::{JsActor, JsMessage, Source};
use crate::convert::{id_from_js, id_string, string_arg, INVALID_ARGUMENT};
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
    /// `new Runtime({ node?, defaultCapacity?, quantum?, budget?, deadLetterRetention? })`:
    /// `budget` is how many messages one drain handles before yielding to the host (2048).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Runtime, JsValue> {
        let options = convert::runtime_options(&options)?;
        Ok(Runtime {
            driver: Driver::new(options),
        })
    }

    /// Spawns a top-level actor from a behaviour object or factory; returns its id.
    /// Options: `{ name?, capacity?, overflow?: 'reject' | 'dropOldest' | 'dropNewest' }`.
    pub fn spawn(&self, behaviour: JsValue, options: JsValue) -> Result<String, JsValue> {
        self.driver.check_open()?;
        let source = Source::from_js(behaviour)?;
        let options = convert::spawn_options(&options)?;
        let factory = JsActor::factory(Rc::downgrade(&self.driver), source);
        let addr = self
            .driver
            .call(true, |ops| ops.spawn(options, factory))?
            .map_err(convert::spawn_error)?;
        Ok(id_string(addr.id()))
    }

    /// Sends `message` without waiting for a reply.
    pub fn tell(&self, id: &JsValue, message: JsValue) -> Result<(), JsValue> {
        self.driver.check_open()?;
        let to = id_from_js(id)?;
        self.driver
            .call(true, |ops| match ops.addr_of(to) {
                Some(addr) => ops.tell(&addr, JsMessage(message)),
                None => ops.send_envelope(to, Envelope::value(JsMessage(message))),
            })?
            .map_err(convert::send_error)
    }

    /// Sends `message` and returns a promise of the reply (what `receive` returned, or what its
    /// promise resolved to). Rejects with `ASK_TIMEOUT` after `timeoutMs`, if given.
    pub fn ask(
        &self,
        id: &JsValue,
        message: JsValue,
        timeout_ms: JsValue,
    ) -> Result<Promise, JsValue> {
        self.driver.check_open()?;
        let to = id_from_js(id)?;
        let timeout = convert::timeout(&timeout_ms)?;
        let mut resolvers: Option<(Function, Function)> = None;
        let promise = Promise::new(&mut |resolve, reject| resolvers = Some((resolve, reject)));
        let (resolve, reject) =
            resolvers.ok_or_else(|| error(INVALID_ARGUMENT, "Promise executor not called"))?;
        self.driver.ask(to, message, timeout, resolve, reject)?;
        Ok(promise)
    }

    /// Stops the actor on its next turn, before the messages it has queued (they become dead
    /// letters).
    pub fn stop(&self, id: &JsValue) -> Result<(), JsValue> {
        self.driver.check_open()?;
        let id = id_from_js(id)?;
        self.driver
            .call(true, |ops| ops.stop(id))?
            .map_err(convert::send_error)
    }

    /// Sends a poison pill: the actor handles what is already queued, then stops.
    pub fn poison(&self, id: &JsValue) -> Result<(), JsValue> {
        self.driver.check_open()?;
        let id = id_from_js(id)?;
        self.driver
            .call(true, |ops| ops.poison(id))?
            .map_err(convert::send_error)
    }

    /// The id of the live actor called `name`, or `undefined`.
    pub fn lookup(&self, name: &JsValue) -> Result<Option<String>, JsValue> {
        self.driver.check_open()?;
        let name = string_arg(name, "name")?;
        Ok(self
            .driver
            .call(false, |ops| ops.lookup(&name))?
            .map(id_string))
    }

    /// True if `id` is a live actor.
    #[wasm_bindgen(js_name = isAlive)]
    pub fn is_alive(&self, id: &JsValue) -> Result<bool, JsValue> {
        self.driver.check_open()?;
        let id = id_from_js(id)?;
        self.driver.call(false, |ops| ops.is_alive(id))
    }

    /// Publishes `message` on the global topic `topic`; returns how many subscribers get it.
    pub fn publish(&self, topic: &JsValue, message: JsValue) -> Result<u32, JsValue> {
        self.driver.check_open()?;
        let topic = Topic::global(&string_arg(topic, "topic")?);
        let sent = self
            .driver
            .call(true, |ops| ops.publish(&topic, JsMessage(message)))?;
        Ok(u32::try_from(sent).unwrap_or(u32::MAX))
    }

    /// Subscribes actor `id` to the global topic `topic`.
    pub fn subscribe(&self, topic: &JsValue, id: &JsValue) -> Result<(), JsValue> {
        self.driver.check_open()?;
        let topic = Topic::global(&string_arg(topic, "topic")?);
        let id = id_from_js(id)?;
        self.driver
            .call(false, |ops| match ops.addr_of(id) {
                Some(addr) => ops.subscribe(&topic, &addr),
                None => Err(backstage_core::TopicError::SubscriberGone(id)),
            })?
            .map_err(convert::topic_error)
    }

    /// Unsubscribes actor `id` from `topic`; true if it was subscribed.
    pub fn unsubscribe(&self, topic: &JsValue, id: &JsValue) -> Result<bool, JsValue> {
        self.driver.check_open()?;
        let topic = Topic::global(&string_arg(topic, "topic")?);
        let id = id_from_js(id)?;
        self.driver.call(false, |ops| ops.unsubscribe(&topic, id))
    }

    /// The system-wide counters: `{ sent, delivered, rejected, deadLetters,
    /// deadLettersByReason, spawned, stopped, failures, restarts, liveActors }`.
    pub fn metrics(&self) -> Result<JsValue, JsValue> {
        self.driver
            .inspect(|system| convert::metrics(system.metrics()))
    }

    /// The most recent dead letters: `[{ to, from, reason, messageType, message }]`.
    #[wasm_bindgen(js_name = deadLetters)]
    pub fn dead_letters(&self) -> Result<Array, JsValue> {
        self.driver
            .inspect(|system| system.dead_letters().map(convert::dead_letter).collect())
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
