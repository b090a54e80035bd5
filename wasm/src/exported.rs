//! Rust actors that JavaScript spawns by name and calls with plain values.
//!
//! An [`Exported`] actor is an ordinary core actor with one message type that is a serde type.
//! JavaScript values become that message through serde-wasm-bindgen, and its reply comes back
//! the same way; a `Uint8Array` is read as the message's CBOR encoding instead, and the reply
//! is then CBOR bytes too. A value that does not fit the message type is an `INVALID_MESSAGE`
//! error at the call, with the decoder's explanation; nothing reaches the actor.
//!
//! The conversion happens at the boundary, so the actor sees typed Rust values only and calls
//! between Rust actors stay unencoded.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::time::Duration;

use backstage_core::{
    Actor, ActorId, AskError, Context, Handler, Message, Runtime, SpawnError, SpawnOptions, System,
};
use ciborium::Value;
use js_sys::{Function, Uint8Array};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::actor::JsActor;
use crate::convert;
use crate::js::error;

/// The code of a value that does not decode into the actor's message type.
pub(crate) const INVALID_MESSAGE: &str = "INVALID_MESSAGE";

/// A Rust actor JavaScript can spawn by [`Exported::NAME`] and call with plain values.
///
/// ```
/// use backstage_core::{Actor, ActorError, Context, Handler, Message};
/// use backstage_wasm::Exported;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Default)]
/// struct Greeter;
/// impl Actor for Greeter {}
///
/// #[derive(Deserialize)]
/// struct Greet { name: String }
/// impl Message for Greet { type Reply = String; }
///
/// impl Handler<Greet> for Greeter {
///     fn handle(&mut self, m: Greet, _: &mut Context<'_, Self>) -> Result<String, ActorError> {
///         Ok(format!("hello, {}", m.name))
///     }
/// }
///
/// impl Exported for Greeter {
///     const NAME: &'static str = "greeter";
///     type Message = Greet;
///     fn create() -> Self { Greeter }
/// }
/// // backstage_wasm::export::<Greeter>(); then, in JavaScript:
/// // system.spawnRust("greeter").ask({ name: "Ada" })  →  "hello, Ada"
/// ```
pub trait Exported: Actor + Handler<Self::Message> {
    /// The name JavaScript spawns it by.
    const NAME: &'static str;
    /// What JavaScript sends it (decoded from a JavaScript value or CBOR bytes).
    type Message: Message<Reply: Serialize> + DeserializeOwned;
    /// A fresh instance (for the first start and every restart).
    fn create() -> Self;
}

/// Sends decoded messages to one exported actor type, on the system or from a JavaScript
/// handler's context (the two places an exported call can come from).
pub(crate) trait Codec {
    /// A top-level actor, or a child of `parent`.
    fn spawn_system(
        &self,
        system: &mut System,
        options: SpawnOptions,
        parent: Option<ActorId>,
    ) -> Result<ActorId, SpawnError>;
    fn spawn_context(
        &self,
        ctx: &mut Context<'_, JsActor>,
        options: SpawnOptions,
        parent: Option<ActorId>,
    ) -> Result<ActorId, SpawnError>;
    fn tell_system(&self, system: &mut System, to: ActorId, msg: &JsValue) -> Result<(), JsValue>;
    fn tell_context(
        &self,
        ctx: &mut Context<'_, JsActor>,
        to: ActorId,
        msg: &JsValue,
    ) -> Result<(), JsValue>;
    fn ask_system(&self, system: &mut System, call: Call<'_>) -> Result<(), JsValue>;
    fn ask_context(&self, ctx: &mut Context<'_, JsActor>, call: Call<'_>) -> Result<(), JsValue>;
}

/// An ask from JavaScript to an exported actor.
pub(crate) struct Call<'a> {
    pub(crate) to: ActorId,
    pub(crate) msg: &'a JsValue,
    pub(crate) timeout: Option<Duration>,
    pub(crate) resolve: Function,
    pub(crate) reject: Function,
}

struct Kind<A>(PhantomData<fn() -> A>);

/// How a message arrived: a JavaScript value, or CBOR bytes (and so wants CBOR back).
enum Wire {
    Value,
    Cbor,
}

fn decode<M: DeserializeOwned>(name: &str, msg: &JsValue) -> Result<(M, Wire), JsValue> {
    let invalid = |why: String| {
        error(
            INVALID_MESSAGE,
            &format!("not a message for the Rust actor '{name}': {why}"),
        )
    };
    // Both ways go through the CBOR data model value, so the module has one JavaScript
    // converter and one CBOR reader for every message type, not one of each per type (which
    // cost several kilobytes each).
    let (value, wire) = match msg.dyn_ref::<Uint8Array>() {
        Some(bytes) => {
            let bytes = bytes.to_vec();
            let value = ciborium::from_reader::<Value, _>(bytes.as_slice())
                .map_err(|e| invalid(format!("CBOR: {e}")))?;
            (value, Wire::Cbor)
        }
        None => (
            crate::proxy::js_to_value(msg).map_err(invalid)?,
            Wire::Value,
        ),
    };
    let message = value
        .deserialized::<M>()
        .map_err(|e| invalid(e.to_string()))?;
    Ok((message, wire))
}

fn encode<R: Serialize>(reply: &R, wire: &Wire) -> Result<JsValue, String> {
    let value = Value::serialized(reply).map_err(|e| e.to_string())?;
    match wire {
        Wire::Cbor => {
            let mut bytes = Vec::new();
            ciborium::into_writer(&value, &mut bytes).map_err(|e| e.to_string())?;
            Ok(Uint8Array::from(bytes.as_slice()).into())
        }
        Wire::Value => crate::proxy::value_to_js(&value),
    }
}

fn spawn<A: Exported, R: Runtime>(
    rt: &mut R,
    options: SpawnOptions,
    parent: Option<ActorId>,
) -> Result<ActorId, SpawnError> {
    let addr = match parent {
        Some(parent) => rt.spawn_child_of(parent, options, A::create),
        None => rt.spawn_with(options, A::create),
    };
    addr.map(|addr| addr.id())
}

fn tell<A: Exported, R: Runtime>(rt: &mut R, to: ActorId, msg: &JsValue) -> Result<(), JsValue> {
    let (message, _) = decode::<A::Message>(A::NAME, msg)?;
    let addr = rt.addr_of::<A>(to);
    match addr {
        Some(addr) => rt.tell(&addr, message).map_err(convert::send_error),
        // Stopped (or another type after all): the core records the dead letter and says why.
        None => rt
            .send_envelope(to, backstage_core::Envelope::value(message))
            .map_err(convert::send_error),
    }
}

fn ask<A: Exported, R: Runtime>(rt: &mut R, call: Call<'_>) -> Result<(), JsValue> {
    let (message, wire) = decode::<A::Message>(A::NAME, call.msg)?;
    let Some(addr) = rt.addr_of::<A>(call.to) else {
        let err = match rt.send_envelope(call.to, backstage_core::Envelope::value(message)) {
            Err(e) => e,
            Ok(()) => backstage_core::SendError::NoSuchActor(call.to),
        };
        let _ = call.reject.call1(
            &JsValue::UNDEFINED,
            &convert::ask_error(AskError::Send(err)),
        );
        return Ok(());
    };
    let (resolve, reject) = (call.resolve, call.reject);
    let answer = move |result: Result<<A::Message as Message>::Reply, AskError>| {
        let _ = match result.map(|reply| encode(&reply, &wire)) {
            Ok(Ok(reply)) => resolve.call1(&JsValue::UNDEFINED, &reply),
            Ok(Err(why)) => reject.call1(
                &JsValue::UNDEFINED,
                &error(
                    INVALID_MESSAGE,
                    &format!(
                        "the reply of the Rust actor '{}' did not encode: {why}",
                        A::NAME
                    ),
                ),
            ),
            Err(e) => reject.call1(&JsValue::UNDEFINED, &convert::ask_error(e)),
        };
    };
    rt.ask_callback(&addr, message, call.timeout, Box::new(answer));
    Ok(())
}

impl<A: Exported> Codec for Kind<A> {
    fn spawn_system(
        &self,
        system: &mut System,
        options: SpawnOptions,
        parent: Option<ActorId>,
    ) -> Result<ActorId, SpawnError> {
        spawn::<A, _>(system, options, parent)
    }
    fn spawn_context(
        &self,
        ctx: &mut Context<'_, JsActor>,
        options: SpawnOptions,
        parent: Option<ActorId>,
    ) -> Result<ActorId, SpawnError> {
        spawn::<A, _>(ctx, options, parent)
    }
    fn tell_system(&self, system: &mut System, to: ActorId, msg: &JsValue) -> Result<(), JsValue> {
        tell::<A, _>(system, to, msg)
    }
    fn tell_context(
        &self,
        ctx: &mut Context<'_, JsActor>,
        to: ActorId,
        msg: &JsValue,
    ) -> Result<(), JsValue> {
        tell::<A, _>(ctx, to, msg)
    }
    fn ask_system(&self, system: &mut System, call: Call<'_>) -> Result<(), JsValue> {
        ask::<A, _>(system, call)
    }
    fn ask_context(&self, ctx: &mut Context<'_, JsActor>, call: Call<'_>) -> Result<(), JsValue> {
        ask::<A, _>(ctx, call)
    }
}

thread_local! {
    static KINDS: std::cell::RefCell<HashMap<&'static str, &'static dyn Codec>> =
        std::cell::RefCell::new(HashMap::new());
}

/// Makes `A` spawnable from JavaScript as `A::NAME` (`Runtime.spawnRust(name)`). Exporting
/// the same name again replaces the earlier type.
pub fn export<A: Exported>() {
    // Zero-sized: leaking it allocates nothing.
    let codec: &'static dyn Codec = Box::leak(Box::new(Kind::<A>(PhantomData)));
    KINDS.with(|kinds| {
        kinds.borrow_mut().insert(A::NAME, codec);
    });
}

/// The exported kind called `name`.
pub(crate) fn kind(name: &str) -> Option<&'static dyn Codec> {
    KINDS.with(|kinds| kinds.borrow().get(name).copied())
}

/// The names of the exported kinds, sorted.
pub(crate) fn names() -> Vec<&'static str> {
    let mut names: Vec<_> = KINDS.with(|kinds| kinds.borrow().keys().copied().collect());
    names.sort_unstable();
    names
}
