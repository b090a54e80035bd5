//! [`Ops`]: what the exported operations need from the runtime, object-safe, so one exported
//! call can go to either the [`System`] (outside handlers) or the running handler's
//! [`Context`] (inside one; see [`Driver::with_ops`](crate::driver::Driver::with_ops)).

use core::time::Duration;

use backstage_core::{
    ActorId, Addr, AskError, Context, Envelope, Runtime, SendError, SpawnError, SpawnOptions,
    System, Topic, TopicError,
};

use wasm_bindgen::JsValue;

use crate::actor::{JsActor, JsMessage};

/// The operations of [`Runtime`] the exports use, for one concrete actor and message type.
pub(crate) trait Ops {
    fn tell(&mut self, to: &Addr<JsActor>, msg: JsMessage) -> Result<(), SendError>;
    fn send_envelope(&mut self, to: ActorId, envelope: Envelope) -> Result<(), SendError>;
    fn spawn(
        &mut self,
        options: SpawnOptions,
        factory: Box<dyn FnMut() -> JsActor>,
    ) -> Result<Addr<JsActor>, SpawnError>;
    fn stop(&mut self, id: ActorId) -> Result<(), SendError>;
    fn poison(&mut self, id: ActorId) -> Result<(), SendError>;
    fn lookup(&self, name: &str) -> Option<ActorId>;
    fn is_alive(&self, id: ActorId) -> bool;
    /// The typed address of `id`, if it is a live JavaScript actor.
    fn addr_of(&self, id: ActorId) -> Option<Addr<JsActor>>;
    fn publish(&mut self, topic: &Topic, msg: JsMessage) -> usize;
    fn subscribe(&mut self, topic: &Topic, subscriber: &Addr<JsActor>) -> Result<(), TopicError>;
    fn unsubscribe(&mut self, topic: &Topic, subscriber: ActorId) -> bool;
    fn ask_callback(
        &mut self,
        to: &Addr<JsActor>,
        msg: JsMessage,
        timeout: Option<Duration>,
        callback: Box<dyn FnOnce(Result<JsValue, AskError>)>,
    );
    /// The whole system, for what a [`Context`] cannot do (metrics, dead letters, shutdown);
    /// `None` inside a handler.
    fn system(&mut self) -> Option<&mut System>;
}

/// The same forwarding to [`Runtime`] for both implementors.
macro_rules! forward_to_runtime {
    () => {
        fn tell(&mut self, to: &Addr<JsActor>, msg: JsMessage) -> Result<(), SendError> {
            Runtime::tell(self, to, msg)
        }
        fn send_envelope(&mut self, to: ActorId, envelope: Envelope) -> Result<(), SendError> {
            Runtime::send_envelope(self, to, envelope)
        }
        fn spawn(
            &mut self,
            options: SpawnOptions,
            factory: Box<dyn FnMut() -> JsActor>,
        ) -> Result<Addr<JsActor>, SpawnError> {
            Runtime::spawn_with(self, options, factory)
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
        fn publish(&mut self, topic: &Topic, msg: JsMessage) -> usize {
            Runtime::publish(self, topic, msg)
        }
        fn subscribe(
            &mut self,
            topic: &Topic,
            subscriber: &Addr<JsActor>,
        ) -> Result<(), TopicError> {
            Runtime::subscribe::<JsMessage, JsActor>(self, topic, subscriber)
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
    };
}

impl Ops for System {
    forward_to_runtime!();
    fn system(&mut self) -> Option<&mut System> {
        Some(self)
    }
}

impl Ops for Context<'_, JsActor> {
    forward_to_runtime!();
    fn system(&mut self) -> Option<&mut System> {
        None
    }
}
