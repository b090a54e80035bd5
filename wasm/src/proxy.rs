//! Method calls across the boundary, both ways.
//!
//! - **JavaScript → Rust**: an `#[actor]` exported with [`export_methods`] is activated by id
//!   (`activateRust(kind, id)`) and called by method (`callRust(id, method, args, …)`). The
//!   arguments become a wire frame (`[method, [args…]]`, CBOR) and go through the core's
//!   [`Dispatcher`], which checks the frame, decodes the arguments into the method's message
//!   and encodes the reply; so a call from JavaScript is exactly a call from another runtime.
//! - **Rust → JavaScript**: [`call_js`] sends a JavaScript actor a call object
//!   `{ [Symbol.for("backstage.call")]: method, args }`, which the TypeScript layer's class
//!   actors answer by calling that method; the reply comes back through serde.
//!
//! JavaScript numbers are one type, Rust's are many: an argument declared `f32`/`f64` is sent
//! as a float even when the JavaScript number is whole (CBOR decoders do not turn integers
//! into floats). Nested fields get no such help: pass a float-typed field a non-whole number,
//! or declare it with `#[serde(deserialize_with = …)]`.

use std::cell::RefCell;
use std::collections::HashMap;

use backstage_core::wire::{CallError, Dispatch, Dispatcher, MethodInfo};
use backstage_core::{Activate, Actor, ActorError, ActorId, AskError, Context, Runtime as _};
use ciborium::Value;
use js_sys::{Array, Function, Reflect, Symbol};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::actor::{JsActor, JsMessage};
use crate::convert::{self, string_arg, INVALID_ARGUMENT};
use crate::driver::RustKind;
use crate::js::{self, error};
use crate::Runtime;

thread_local! {
    static METHOD_KINDS: RefCell<HashMap<&'static str, Dispatcher>> = RefCell::new(HashMap::new());
}

/// Makes the `#[actor]` `A` callable by method from JavaScript under its type name
/// (`system.rustActor("Counter", "counter-1")` in TypeScript). Exporting again replaces it.
pub fn export_methods<A: Dispatch + Activate>() {
    let dispatcher = Dispatcher::of::<A>();
    METHOD_KINDS.with(|kinds| {
        kinds.borrow_mut().insert(dispatcher.name(), dispatcher);
    });
}

fn method_kind(name: &str) -> Option<Dispatcher> {
    METHOD_KINDS.with(|kinds| kinds.borrow().get(name).copied())
}

fn call_error(e: &CallError) -> JsValue {
    error(e.code(), &e.to_string())
}

/// A JavaScript value as a CBOR data model value (the one converter from JavaScript).
pub(crate) fn js_to_value(value: &JsValue) -> Result<Value, String> {
    serde_wasm_bindgen::from_value(value.clone()).map_err(|e| e.to_string())
}

/// A CBOR data model value as a JavaScript value (the one converter to JavaScript): maps
/// become objects, `null` stays `null`.
pub(crate) fn value_to_js(value: &Value) -> Result<JsValue, String> {
    value
        .serialize(
            &serde_wasm_bindgen::Serializer::new()
                .serialize_maps_as_objects(true)
                .serialize_missing_as_null(true),
        )
        .map_err(|e| e.to_string())
}

/// The frame `[method, [args…]]` for `args` (a JavaScript array), floats where `info` says so.
fn frame(method: &str, info: &MethodInfo, args: JsValue) -> Result<Vec<u8>, JsValue> {
    let bad = |detail: String| {
        error(
            "BAD_ARGUMENTS",
            &format!("bad arguments for method '{method}': {detail}"),
        )
    };
    if !Array::is_array(&args) {
        return Err(bad("the arguments are not an array".into()));
    }
    let Value::Array(mut values) = js_to_value(&args).map_err(bad)? else {
        return Err(bad("the arguments are not an array".into()));
    };
    for (value, (_, ty)) in values.iter_mut().zip(info.args) {
        if matches!(*ty, "f64" | "f32") {
            if let Value::Integer(n) = value {
                *value = Value::Float(i128::from(*n) as f64);
            }
        }
    }
    let call = Value::Array(vec![Value::Text(method.into()), Value::Array(values)]);
    let mut bytes = Vec::new();
    ciborium::into_writer(&call, &mut bytes).map_err(|e| bad(e.to_string()))?;
    Ok(bytes)
}

/// A reply frame as a JavaScript value.
fn reply_value(method: &str, bytes: &[u8]) -> Result<JsValue, JsValue> {
    let undecodable = |detail: String| {
        error(
            "REPLY_DECODE_FAILED",
            &format!("the reply of method '{method}' did not decode: {detail}"),
        )
    };
    let value: Value = ciborium::from_reader(bytes).map_err(|e| undecodable(e.to_string()))?;
    value_to_js(&value).map_err(undecodable)
}

#[wasm_bindgen]
impl Runtime {
    /// The `#[actor]` of type `kind` called `id`, activated on first use (a virtual actor);
    /// returns its actor id. Unknown kinds are `INVALID_ARGUMENT`.
    #[wasm_bindgen(js_name = activateRust)]
    pub fn activate_rust(&self, kind: &JsValue, id: &JsValue) -> Result<f64, JsValue> {
        self.driver.check_open()?;
        let dispatcher = dispatcher(kind)?;
        let id = string_arg(id, "id")?;
        let actor = self
            .driver
            .call(true, |ops| ops.activate_wire(&dispatcher, &id))?
            .map_err(|e| call_error(&e))?;
        self.driver.add_rust(actor, RustKind::Methods(dispatcher));
        Ok(self.driver.id_to_f64(actor))
    }

    /// Calls `method` of the Rust actor `id` with `args` (an array); `resolve(reply)` or
    /// `reject(error)` with a code: `UNKNOWN_METHOD`, `BAD_ARGUMENTS`, `REPLY_DECODE_FAILED`,
    /// `TYPE_MISMATCH` (not a Rust actor called by method), or the core's (`ACTOR_STOPPED`,
    /// `HANDLER_FAILED`, `ASK_TIMEOUT`, …).
    #[wasm_bindgen(js_name = callRust)]
    pub fn call_rust(
        &self,
        id: f64,
        method: &JsValue,
        args: JsValue,
        timeout_ms: Option<f64>,
        resolve: Function,
        reject: Function,
    ) -> Result<(), JsValue> {
        let to = self.driver.id(id)?;
        let method = string_arg(method, "method")?;
        let timeout = convert::timeout(timeout_ms)?;
        let Some(dispatcher) = self.driver.methods_of(to) else {
            // Gone, or not a Rust actor called by method: the core says which.
            let alive = self.driver.call(false, |ops| ops.is_alive(to))?;
            let e = if alive {
                error(
                    "TYPE_MISMATCH",
                    &format!("actor {id} is not a Rust actor called by method ('{method}')"),
                )
            } else {
                convert::ask_error(AskError::Send(backstage_core::SendError::Stopped(to)))
            };
            let _ = reject.call1(&JsValue::UNDEFINED, &e);
            return Ok(());
        };
        let Some(info) = dispatcher.method(&method) else {
            let e = CallError::UnknownMethod {
                actor: dispatcher.name(),
                method: method.chars().take(64).collect(),
            };
            let _ = reject.call1(&JsValue::UNDEFINED, &call_error(&e));
            return Ok(());
        };
        let frame = match frame(&method, info, args) {
            Ok(frame) => frame,
            Err(e) => {
                let _ = reject.call1(&JsValue::UNDEFINED, &e);
                return Ok(());
            }
        };
        let name = method.clone();
        let (on_reply, on_error) = (resolve, reject.clone());
        let reply = Box::new(move |result: Result<Vec<u8>, CallError>| {
            let _ = match result
                .map_err(|e| call_error(&e))
                .and_then(|b| reply_value(&name, &b))
            {
                Ok(value) => on_reply.call1(&JsValue::UNDEFINED, &value),
                Err(e) => on_error.call1(&JsValue::UNDEFINED, &e),
            };
        });
        let sent = self.driver.call(true, |ops| {
            ops.call_wire(&dispatcher, to, &frame, timeout, reply)
        })?;
        if let Err(e) = sent {
            let _ = reject.call1(&JsValue::UNDEFINED, &call_error(&e));
        }
        Ok(())
    }

    /// `Runtime.rustMethods(kind)`: the methods of an exported `#[actor]`, `[{ name, args:
    /// [[name, rustType]], reply }]`.
    #[wasm_bindgen(js_name = rustMethods)]
    pub fn rust_methods(kind: &JsValue) -> Result<Array, JsValue> {
        crate::builtins::export_all();
        let dispatcher = dispatcher(kind)?;
        Ok(dispatcher
            .methods()
            .iter()
            .map(|m| {
                let out = js::object();
                js::set(&out, "name", &JsValue::from_str(m.name));
                let args: Array = m
                    .args
                    .iter()
                    .map(|(name, ty)| -> JsValue {
                        Array::of2(&JsValue::from_str(name), &JsValue::from_str(ty)).into()
                    })
                    .collect();
                js::set(&out, "args", &args);
                js::set(&out, "reply", &JsValue::from_str(m.reply));
                out
            })
            .collect())
    }
}

fn dispatcher(kind: &JsValue) -> Result<Dispatcher, JsValue> {
    crate::builtins::export_all();
    let name = string_arg(kind, "kind")?;
    method_kind(&name).ok_or_else(|| {
        let mut names: Vec<&str> = METHOD_KINDS.with(|k| k.borrow().keys().copied().collect());
        names.sort_unstable();
        error(
            INVALID_ARGUMENT,
            &format!(
                "no Rust actor is exported by method as '{name}' (exported: {})",
                names.join(", ")
            ),
        )
    })
}

/// The call object a JavaScript class actor answers: `{ [Symbol.for("backstage.call")]: method,
/// args }`.
fn call_object(method: &str, args: JsValue) -> JsValue {
    let call = js::object();
    let _ = Reflect::set(
        &call,
        &Symbol::for_("backstage.call"),
        &JsValue::from_str(method),
    );
    js::set(&call, "args", &args);
    call
}

/// Why a call to a JavaScript actor failed, from the error marker its class wrapper replies
/// with (`{ [Symbol.for("backstage.callError")]: { code, message } }`), if it is one.
fn js_call_error(method: &str, reply: &JsValue) -> Option<CallError> {
    if !reply.is_object() {
        return None;
    }
    let marker = Reflect::get(reply, &Symbol::for_("backstage.callError")).ok()?;
    if marker.is_undefined() {
        return None;
    }
    let code = js::get(&marker, "code").as_string().unwrap_or_default();
    let message = js::get(&marker, "message").as_string().unwrap_or_default();
    Some(if code == "UNKNOWN_METHOD" {
        CallError::UnknownMethod {
            actor: "JavaScript actor",
            method: method.chars().take(64).collect(),
        }
    } else {
        CallError::Ask {
            method: method.to_string().into(),
            error: AskError::Failed(ActorError::new(message)),
        }
    })
}

/// Calls `method` of the JavaScript actor `to` (a class actor of the TypeScript layer) with
/// `args` (a tuple or array of serde values: they become its arguments) from inside a handler,
/// without blocking: `then` runs later, as a message to this actor, with the decoded reply.
///
/// Errors reach `then`: the actor is gone or not a JavaScript actor
/// ([`CallError::Ask`] with a send error), it has no such method
/// ([`CallError::UnknownMethod`]), the method threw ([`CallError::Ask`] with
/// [`AskError::Failed`]), or the reply does not decode as `R`
/// ([`CallError::ReplyDecodeFailed`]).
pub fn call_js<A, R, F>(
    ctx: &mut Context<'_, A>,
    to: ActorId,
    method: &str,
    args: impl Serialize,
    then: F,
) where
    A: Actor,
    R: DeserializeOwned + 'static,
    F: FnOnce(&mut A, Result<R, CallError>, &mut Context<'_, A>) -> Result<(), ActorError>
        + 'static,
{
    let name = method.to_string();
    let args = match Value::serialized(&args)
        .map_err(|e| e.to_string())
        .and_then(|v| {
            let list = match v {
                Value::Array(_) => v,
                single => Value::Array(vec![single]),
            };
            value_to_js(&list)
        }) {
        Ok(args) => args,
        Err(detail) => {
            let e = CallError::BadArguments {
                method: name.into(),
                detail,
            };
            return deliver_later(ctx, then, Err(e));
        }
    };
    let Some(addr) = ctx.addr_of::<JsActor>(to) else {
        let error = AskError::Send(backstage_core::SendError::Stopped(to));
        return deliver_later(
            ctx,
            then,
            Err(CallError::Ask {
                method: name.into(),
                error,
            }),
        );
    };
    let message = JsMessage(call_object(&name, args));
    ctx.ask(&addr, message, move |this, reply, ctx| {
        let result = match reply {
            Err(error) => Err(CallError::Ask {
                method: name.clone().into(),
                error,
            }),
            Ok(value) => match js_call_error(&name, &value) {
                Some(e) => Err(e),
                None => js_to_value(&value)
                    .and_then(|v| v.deserialized::<R>().map_err(|e| e.to_string()))
                    .map_err(|detail| CallError::ReplyDecodeFailed {
                        method: name.clone().into(),
                        detail,
                    }),
            },
        };
        then(this, result, ctx)
    });
}

/// Runs `then` with `result` as a later message to this actor (so every outcome of
/// [`call_js`] arrives the same way).
fn deliver_later<A, R, F>(ctx: &mut Context<'_, A>, then: F, result: Result<R, CallError>)
where
    A: Actor,
    R: 'static,
    F: FnOnce(&mut A, Result<R, CallError>, &mut Context<'_, A>) -> Result<(), ActorError>
        + 'static,
{
    ctx.later(move |this, ctx| then(this, result, ctx));
}
