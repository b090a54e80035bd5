//! [`JsActor`]: a core actor whose hooks and handler are a JavaScript behaviour object.

use std::cell::Cell;
use std::rc::{Rc, Weak};

use backstage_core::{Actor, ActorError, ActorId, Context, Envelope, Handler, Message, StopReason};
use js_sys::{Function, Promise};
use wasm_bindgen::{JsCast, JsValue};

use crate::convert::{self, INVALID_ARGUMENT};
use crate::driver::Driver;
use crate::js::{self, describe, error, Behaviour};

/// The one message type: any JavaScript value; an ask's reply is one too.
#[derive(Clone)]
pub(crate) struct JsMessage(pub(crate) JsValue);

impl Message for JsMessage {
    type Reply = JsValue;
}

/// A publication on a topic: one JavaScript value shared by every subscriber's copy (cloning a
/// `JsValue` would cross into JavaScript once per subscriber).
#[derive(Clone)]
pub(crate) struct Published(pub(crate) Rc<JsValue>);

impl Message for Published {
    type Reply = ();
}

/// What `spawn` was given.
pub(crate) enum Source {
    /// `{ receive, started?, stopped? }`, reused as is by every restart.
    Object(Behaviour),
    /// `() => behaviour`, called for the first instance and again for every restart.
    Factory(Function),
}

impl Source {
    pub(crate) fn from_js(value: JsValue) -> Result<Source, JsValue> {
        if let Some(factory) = value.dyn_ref::<Function>() {
            return Ok(Source::Factory(factory.clone()));
        }
        if js::has_receive(&value) {
            return Ok(Source::Object(value.unchecked_into()));
        }
        Err(error(
            INVALID_ARGUMENT,
            "a behaviour is an object with a receive(message, sender, self) method, or a function returning one",
        ))
    }
}

/// What a call into a behaviour gave back.
enum Returned {
    Value(JsValue),
    Threw(String),
    /// A promise or thenable: the hook or handler finishes when it settles.
    Async(Promise),
}

fn classify(result: Result<JsValue, JsValue>) -> Returned {
    let value = match result {
        Ok(value) => value,
        Err(thrown) => return Returned::Threw(describe(&thrown)),
    };
    if !js::is_thenable(&value) {
        return Returned::Value(value);
    }
    // Adopted by a promise of our own, so the `then` we call later is the built-in one: the
    // user's `then` only ever runs from a later microtask (where a throw rejects the promise)
    // or here, inside the hook's call (where `resolve` turns a throwing getter into a
    // rejection), never as an exception through the driver's frames.
    let promise = Promise::new(&mut |resolve, _reject| {
        let _ = resolve.call1(&JsValue::UNDEFINED, &value);
    });
    Returned::Async(promise)
}

/// One instance of a JavaScript actor.
pub(crate) struct JsActor {
    driver: Weak<Driver>,
    source: Rc<Source>,
    /// Made (or taken from the source) by `started`.
    behaviour: Option<Behaviour>,
    /// This actor's id as JavaScript holds it (see [`convert::id_to_f64`]).
    me: f64,
    /// False once this instance is gone (stopped, or replaced by a restart), so a promise it
    /// left behind no longer resumes or fails the actor.
    live: Rc<Cell<bool>>,
}

impl JsActor {
    /// The factory the core keeps for (re)starts. Calls no JavaScript (the core may call it
    /// while it holds the system); the behaviour is made in `started`.
    pub(crate) fn factory(driver: Weak<Driver>, source: Source) -> Box<dyn FnMut() -> JsActor> {
        let source = Rc::new(source);
        Box::new(move || JsActor {
            driver: driver.clone(),
            source: source.clone(),
            behaviour: None,
            me: -1.0,
            live: Rc::new(Cell::new(true)),
        })
    }

    fn driver(&self) -> Result<Rc<Driver>, ActorError> {
        self.driver
            .upgrade()
            .ok_or_else(|| ActorError::new("the runtime is gone"))
    }

    /// Hands `message` to `receive`; a returned promise pauses the actor until it settles.
    fn dispatch(
        &mut self,
        message: &JsValue,
        ctx: &mut Context<'_, Self>,
    ) -> Result<JsValue, ActorError> {
        let driver = self.driver()?;
        let Some(behaviour) = self.behaviour.as_ref() else {
            return Err(ActorError::new("the behaviour was never made"));
        };
        let sender = ctx.sender().map_or(-1.0, |id| driver.id_to_f64(id));
        let me = self.me;
        let returned = driver.enter(ctx, || js::receive(behaviour, message, sender, me));
        match returned.map_or(Returned::Value(JsValue::UNDEFINED), classify) {
            Returned::Value(reply) => Ok(reply),
            Returned::Threw(message) => Err(ActorError::new(message)),
            Returned::Async(promise) => {
                ctx.pause();
                let responder = ctx.defer_reply::<JsValue>();
                driver.settle_later(promise, ctx.id(), self.live.clone(), responder);
                // Discarded: the responder answers the asker when the promise settles.
                Ok(JsValue::UNDEFINED)
            }
        }
    }

    /// Ends a hook that may have returned a promise: a throw is a failure, a promise pauses
    /// the actor until it settles (and its rejection is a failure then).
    fn finish_hook(
        &self,
        driver: &Rc<Driver>,
        returned: Returned,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        match returned {
            Returned::Value(_) => Ok(()),
            Returned::Threw(message) => Err(ActorError::new(message)),
            Returned::Async(promise) => {
                ctx.pause();
                driver.settle_later(promise, ctx.id(), self.live.clone(), None);
                Ok(())
            }
        }
    }
}

impl Drop for JsActor {
    fn drop(&mut self) {
        self.live.set(false);
    }
}

impl Actor for JsActor {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let driver = self.driver()?;
        self.me = driver.id_to_f64(ctx.id());
        let me = self.me;
        let (source, factory) = match &*self.source {
            Source::Object(behaviour) => (behaviour.as_ref(), false),
            Source::Factory(factory) => (factory.as_ref(), true),
        };
        let returned = match driver.enter(ctx, || js::start(source, factory, me)) {
            js::Started::Made(behaviour, outcome) => {
                self.behaviour = Some(behaviour);
                outcome.map_or(Returned::Value(JsValue::UNDEFINED), classify)
            }
            js::Started::FactoryThrew(thrown) => return Err(ActorError::new(describe(&thrown))),
            js::Started::NotABehaviour => {
                return Err(ActorError::new(
                    "the behaviour factory did not return an object with a receive(message, sender, self) method",
                ))
            }
        };
        self.finish_hook(&driver, returned, ctx)
    }

    fn stopped(&mut self, ctx: &mut Context<'_, Self>) {
        let (Some(driver), Some(behaviour)) = (self.driver.upgrade(), self.behaviour.as_ref())
        else {
            return;
        };
        let me = self.me;
        driver.enter(ctx, || {
            if js::hook(behaviour.stopped_hook()).is_some() {
                // Nothing waits for a stopped actor: a throw or a returned promise is ignored.
                let _ = behaviour.stopped(me);
            }
        });
    }

    fn terminated(
        &mut self,
        id: ActorId,
        reason: &StopReason,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        let driver = self.driver()?;
        let Some(behaviour) = self.behaviour.as_ref() else {
            return Ok(());
        };
        if js::hook(behaviour.terminated_hook()).is_none() {
            return Ok(());
        }
        let (id, me) = (driver.id_to_f64(id), self.me);
        let reason = convert::stop_reason(reason);
        let returned = driver.enter(ctx, || classify(behaviour.terminated(id, reason, me)));
        self.finish_hook(&driver, returned, ctx)
    }

    /// Envelopes carrying a [`JsMessage`] are handled like tells; others are unhandled.
    fn receive(
        &mut self,
        envelope: Envelope,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        match envelope.payload.downcast_ref::<JsMessage>() {
            Some(JsMessage(message)) => {
                let message = message.clone();
                self.dispatch(&message, ctx).map(drop)
            }
            None => {
                ctx.unhandled(envelope);
                Ok(())
            }
        }
    }
}

impl Handler<Published> for JsActor {
    fn handle(
        &mut self,
        Published(message): Published,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        self.dispatch(&message, ctx).map(drop)
    }
}

impl Handler<JsMessage> for JsActor {
    fn handle(
        &mut self,
        JsMessage(message): JsMessage,
        ctx: &mut Context<'_, Self>,
    ) -> Result<JsValue, ActorError> {
        self.dispatch(&message, ctx)
    }
}
