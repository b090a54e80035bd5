//! [`Ops`]: what the exported operations need from the runtime, object-safe, so one exported
//! call can go to either the [`System`] (outside handlers) or the running handler's
//! [`Context`] (inside one; see [`Driver::with_ops`](crate::driver::Driver::with_ops)).

use core::time::Duration;

use backstage_core::{
    ActorId, Addr, AskError, Context, DeadLetter, Envelope, Runtime, SendError, SpawnError,
    SpawnOptions, System, SystemMetrics, Topic, TopicError,
};

use backstage_core::wire::{CallError, Dispatcher, Limits, ReplyFn};
use wasm_bindgen::JsValue;

use crate::actor::{JsActor, JsMessage, Published};
use crate::exported::{Call, Codec};

/// A JavaScript actor's factory, as the core keeps it for restarts.
pub(crate) type Factory = Box<dyn FnMut() -> JsActor>;

/// Why [`Ops::tell_js`] sent nothing.
pub(crate) enum NotSent {
    /// The core refused it.
    Refused(SendError),
    /// `to` is not a live JavaScript actor: the message back, for the other routes.
    NotJs(JsMessage),
}

/// The operations of [`Runtime`] the exports use, for one concrete actor and message type,
/// plus those only a running handler has (`None` from the system).
pub(crate) trait Ops {
    /// Tells `to` if it is a JavaScript actor: one call per message, statically dispatched
    /// inside (the check and the send inline into each other).
    fn tell_js(&mut self, to: ActorId, msg: JsMessage) -> Result<(), NotSent>;
    fn send_envelope(&mut self, to: ActorId, envelope: Envelope) -> Result<(), SendError>;
    fn spawn(
        &mut self,
        options: SpawnOptions,
        factory: Factory,
    ) -> Result<Addr<JsActor>, SpawnError>;
    fn get_or_spawn(&mut self, name: &str, factory: Factory) -> Result<Addr<JsActor>, SpawnError>;
    fn stop(&mut self, id: ActorId) -> Result<(), SendError>;
    fn poison(&mut self, id: ActorId) -> Result<(), SendError>;
    fn lookup(&self, name: &str) -> Option<ActorId>;
    fn is_alive(&self, id: ActorId) -> bool;
    /// The typed address of `id`, if it is a live JavaScript actor.
    fn addr_of(&self, id: ActorId) -> Option<Addr<JsActor>>;
    fn publish(&mut self, topic: &Topic, msg: Published) -> usize;
    fn subscribe(&mut self, topic: &Topic, subscriber: &Addr<JsActor>) -> Result<(), TopicError>;
    fn unsubscribe(&mut self, topic: &Topic, subscriber: ActorId) -> bool;
    fn ask_callback(
        &mut self,
        to: &Addr<JsActor>,
        msg: JsMessage,
        timeout: Option<Duration>,
        callback: Box<dyn FnOnce(Result<JsValue, AskError>)>,
    );
    /// Calls `to` with a wire frame through `dispatcher` (see [`Dispatcher::call`]).
    fn call_wire(
        &mut self,
        dispatcher: &Dispatcher,
        to: ActorId,
        frame: &[u8],
        timeout: Option<Duration>,
        reply: ReplyFn,
    ) -> Result<(), CallError>;
    /// The actor called `id`, activated on first use (see [`Dispatcher::activate`]).
    fn activate_wire(&mut self, dispatcher: &Dispatcher, id: &str) -> Result<ActorId, CallError>;
    fn metrics(&self) -> &SystemMetrics;
    fn dead_letters(&self) -> Vec<&DeadLetter>;
    /// Spawns a child of `parent`.
    fn spawn_child_of(
        &mut self,
        parent: ActorId,
        options: SpawnOptions,
        factory: Factory,
    ) -> Result<Addr<JsActor>, SpawnError>;
    /// The live children of `id`.
    fn children_of(&self, id: ActorId) -> Vec<ActorId>;
    /// `watcher` watches (`on`) or stops watching `target`.
    fn watch_as(&mut self, watcher: ActorId, target: ActorId, on: bool) -> Result<(), SendError>;
    /// Spawns an exported Rust actor (a child of `parent`, if given).
    fn spawn_exported(
        &mut self,
        codec: &dyn Codec,
        options: SpawnOptions,
        parent: Option<ActorId>,
    ) -> Result<ActorId, SpawnError>;
    fn tell_exported(
        &mut self,
        codec: &dyn Codec,
        to: ActorId,
        msg: &JsValue,
    ) -> Result<(), JsValue>;
    fn ask_exported(&mut self, codec: &dyn Codec, call: Call<'_>) -> Result<(), JsValue>;
}

/// The same forwarding to [`Runtime`] for both implementors.
macro_rules! forward_to_runtime {
    () => {
        fn tell_js(&mut self, to: ActorId, msg: JsMessage) -> Result<(), NotSent> {
            match Runtime::addr_of::<JsActor>(self, to) {
                Some(addr) => Runtime::tell(self, &addr, msg).map_err(NotSent::Refused),
                None => Err(NotSent::NotJs(msg)),
            }
        }
        fn send_envelope(&mut self, to: ActorId, envelope: Envelope) -> Result<(), SendError> {
            Runtime::send_envelope(self, to, envelope)
        }
        fn spawn(
            &mut self,
            options: SpawnOptions,
            factory: Factory,
        ) -> Result<Addr<JsActor>, SpawnError> {
            Runtime::spawn_with(self, options, factory)
        }
        fn get_or_spawn(
            &mut self,
            name: &str,
            factory: Factory,
        ) -> Result<Addr<JsActor>, SpawnError> {
            Runtime::get_or_spawn(self, name, factory)
        }
        fn stop(&mut self, id: ActorId) -> Result<(), SendError> {
            Runtime::stop(self, id)
        }
        fn poison(&mut self, id: ActorId) -> Result<(), SendError> {
            Runtime::poison(self, id)
        }
        fn lookup(&self, name: &str) -> Option<ActorId> {
            Runtime::lookup(self, name)
        }
        fn is_alive(&self, id: ActorId) -> bool {
            Runtime::is_alive(self, id)
        }
        fn addr_of(&self, id: ActorId) -> Option<Addr<JsActor>> {
            Runtime::addr_of::<JsActor>(self, id)
        }
        fn publish(&mut self, topic: &Topic, msg: Published) -> usize {
            Runtime::publish(self, topic, msg)
        }
        fn subscribe(
            &mut self,
            topic: &Topic,
            subscriber: &Addr<JsActor>,
        ) -> Result<(), TopicError> {
            Runtime::subscribe::<Published, JsActor>(self, topic, subscriber)
        }
        fn unsubscribe(&mut self, topic: &Topic, subscriber: ActorId) -> bool {
            Runtime::unsubscribe(self, topic, subscriber)
        }
        fn ask_callback(
            &mut self,
            to: &Addr<JsActor>,
            msg: JsMessage,
            timeout: Option<Duration>,
            callback: Box<dyn FnOnce(Result<JsValue, AskError>)>,
        ) {
            Runtime::ask_callback(self, to, msg, timeout, callback)
        }
        fn spawn_child_of(
            &mut self,
            parent: ActorId,
            options: SpawnOptions,
            factory: Factory,
        ) -> Result<Addr<JsActor>, SpawnError> {
            Runtime::spawn_child_of(self, parent, options, factory)
        }
        fn children_of(&self, id: ActorId) -> Vec<ActorId> {
            Runtime::children_of(self, id)
        }
        fn watch_as(
            &mut self,
            watcher: ActorId,
            target: ActorId,
            on: bool,
        ) -> Result<(), SendError> {
            Runtime::watch_as(self, watcher, target, on)
        }
        fn call_wire(
            &mut self,
            dispatcher: &Dispatcher,
            to: ActorId,
            frame: &[u8],
            timeout: Option<Duration>,
            reply: ReplyFn,
        ) -> Result<(), CallError> {
            dispatcher.call(self, to, frame, &Limits::default(), timeout, reply)
        }
        fn activate_wire(
            &mut self,
            dispatcher: &Dispatcher,
            id: &str,
        ) -> Result<ActorId, CallError> {
            dispatcher.activate(self, id)
        }
        fn metrics(&self) -> &SystemMetrics {
            Self::metrics(self)
        }
        fn dead_letters(&self) -> Vec<&DeadLetter> {
            Self::dead_letters(self).collect()
        }
    };
}

impl Ops for System {
    forward_to_runtime!();
    fn spawn_exported(
        &mut self,
        codec: &dyn Codec,
        options: SpawnOptions,
        parent: Option<ActorId>,
    ) -> Result<ActorId, SpawnError> {
        codec.spawn_system(self, options, parent)
    }
    fn tell_exported(
        &mut self,
        codec: &dyn Codec,
        to: ActorId,
        msg: &JsValue,
    ) -> Result<(), JsValue> {
        codec.tell_system(self, to, msg)
    }
    fn ask_exported(&mut self, codec: &dyn Codec, call: Call<'_>) -> Result<(), JsValue> {
        codec.ask_system(self, call)
    }
}

impl Ops for Context<'_, JsActor> {
    forward_to_runtime!();
    fn spawn_exported(
        &mut self,
        codec: &dyn Codec,
        options: SpawnOptions,
        parent: Option<ActorId>,
    ) -> Result<ActorId, SpawnError> {
        codec.spawn_context(self, options, parent)
    }
    fn tell_exported(
        &mut self,
        codec: &dyn Codec,
        to: ActorId,
        msg: &JsValue,
    ) -> Result<(), JsValue> {
        codec.tell_context(self, to, msg)
    }
    fn ask_exported(&mut self, codec: &dyn Codec, call: Call<'_>) -> Result<(), JsValue> {
        codec.ask_context(self, call)
    }
}
