//! The JavaScript this crate calls, and small helpers over it.
//!
//! Every `#[wasm_bindgen]` import is declared here and only here: wasm-bindgen names an import
//! shim after the crate, so declaring the same import twice in this package (say, in a test)
//! fails at link time with a duplicate symbol.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = queueMicrotask)]
    pub(crate) fn queue_microtask(callback: &Function);

    #[wasm_bindgen(js_name = setTimeout)]
    pub(crate) fn set_timeout(callback: &Function, ms: f64) -> JsValue;

    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    pub(crate) fn performance_now() -> f64;

    #[wasm_bindgen(js_name = clearTimeout)]
    pub(crate) fn clear_timeout(handle: &JsValue);

    /// A behaviour object as JavaScript handed it over: `{ receive, started?, stopped?,
    /// terminated? }`.
    #[derive(Clone)]
    pub(crate) type Behaviour;

    /// `behaviour.receive(message, sender, self)`, looked up on every call (so a behaviour may
    /// replace its own `receive`). Ids are numbers (`-1`: no sender), so the call passes no
    /// object but the message: one boundary crossing.

    /// `behaviour.started`, whatever it is (read without creating a key string).
    #[wasm_bindgen(method, getter, js_name = receive)]
    fn receive_hook(this: &Behaviour) -> JsValue;

    #[wasm_bindgen(method, getter, js_name = stopped)]
    pub(crate) fn stopped_hook(this: &Behaviour) -> JsValue;

    #[wasm_bindgen(method, catch, js_name = stopped)]
    pub(crate) fn stopped(this: &Behaviour, me: f64) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, getter, js_name = terminated)]
    pub(crate) fn terminated_hook(this: &Behaviour) -> JsValue;

    /// `behaviour.terminated(id, reason, self)`: a watched actor has stopped.
    #[wasm_bindgen(method, catch, js_name = terminated)]
    pub(crate) fn terminated(
        this: &Behaviour,
        id: f64,
        reason: &str,
        me: f64,
    ) -> Result<JsValue, JsValue>;

    /// A promise, to call `then` with plain functions.
    type Thenable;

    #[wasm_bindgen(method, js_name = then)]
    fn then_with(this: &Thenable, on_fulfilled: &Function, on_rejected: &Function) -> JsValue;

    /// Any value whose `then` is read (a thenable test).
    pub(crate) type MaybeThenable;

    /// `value.then`; a throwing getter is an error.
    #[wasm_bindgen(method, getter, catch, js_name = then)]
    pub(crate) fn then(this: &MaybeThenable) -> Result<JsValue, JsValue>;
}

// The hottest call: one per message. A `catch` import would cost every call an `arguments`
// object and its result a slot in the externref table plus an `is_undefined` crossing; this
// trampoline returns a number and keeps a result or exception on the JavaScript side until the
// driver takes it (at once: no JavaScript runs in between). `start` does the same for the
// first call of an instance: the factory, the check that it made a behaviour, `started`.
#[wasm_bindgen(inline_js = "let kept, made;
export function receive(behaviour, message, sender, me) {
  let result;
  try {
    result = behaviour.receive(message, sender, me);
  } catch (thrown) {
    kept = thrown;
    return 2;
  }
  if (result === undefined) return 0;
  kept = result;
  return 1;
}
export function start(source, factory, me) {
  let result;
  made = undefined;
  try {
    const behaviour = factory ? source() : source;
    if (typeof behaviour !== 'object' || behaviour === null || typeof behaviour.receive !== 'function') return 5;
    made = behaviour;
    if (typeof behaviour.started !== 'function') return 0;
    result = behaviour.started(me);
  } catch (thrown) {
    kept = thrown;
    return made === undefined ? 4 : 2;
  }
  if (result === undefined) return 0;
  kept = result;
  return 1;
}
export function takeKept() {
  const value = kept;
  kept = undefined;
  return value;
}
export function takeMade() {
  const value = made;
  made = undefined;
  return value;
}")]
extern "C" {
    #[wasm_bindgen(js_name = receive)]
    fn receive_raw(behaviour: &Behaviour, message: &JsValue, sender: f64, me: f64) -> u32;

    #[wasm_bindgen(js_name = start)]
    fn start_raw(source: &JsValue, factory: bool, me: f64) -> u32;

    #[wasm_bindgen(js_name = takeKept)]
    fn take_kept() -> JsValue;

    #[wasm_bindgen(js_name = takeMade)]
    fn take_made() -> Behaviour;
}

/// How the first call of an instance went (see [`start`]).
pub(crate) enum Started {
    /// The behaviour, and what its `started` returned or threw (`None`: no hook, or it
    /// returned `undefined`).
    Made(Behaviour, Option<Result<JsValue, JsValue>>),
    /// The factory threw this.
    FactoryThrew(JsValue),
    /// The factory returned something without a `receive` method.
    NotABehaviour,
}

/// Makes an instance's behaviour (`source()` if `factory`, else `source` itself, which was
/// checked at spawn) and runs its `started(me)` hook if it has one.
pub(crate) fn start(source: &JsValue, factory: bool, me: f64) -> Started {
    match start_raw(source, factory, me) {
        0 => Started::Made(take_made(), None),
        1 => Started::Made(take_made(), Some(Ok(take_kept()))),
        2 => Started::Made(take_made(), Some(Err(take_kept()))),
        4 => Started::FactoryThrew(take_kept()),
        _ => Started::NotABehaviour,
    }
}

/// Calls `behaviour.receive(message, sender, me)`: `None` if it returned `undefined` (most
/// handlers: nothing more crosses), else what it returned or threw.
pub(crate) fn receive(
    behaviour: &Behaviour,
    message: &JsValue,
    sender: f64,
    me: f64,
) -> Option<Result<JsValue, JsValue>> {
    match receive_raw(behaviour, message, sender, me) {
        0 => None,
        1 => Some(Ok(take_kept())),
        _ => Some(Err(take_kept())),
    }
}

/// An `Error` with a stable `code` property (`NO_SUCH_ACTOR`, `ASK_TIMEOUT`, ...).
pub(crate) fn error(code: &str, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    set(&err, "code", &JsValue::from_str(code));
    err.into()
}

/// Sets `key` on a plain object the crate made (which cannot refuse it).
pub(crate) fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// A fresh `{}`.
pub(crate) fn object() -> JsValue {
    Object::new().into()
}

/// `target[key]`, or `undefined` if reading it threw (a throwing getter).
pub(crate) fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// True if `value` is an object or function whose `then` is a function (a throwing `then`
/// getter counts as not).
pub(crate) fn is_thenable(value: &JsValue) -> bool {
    // Most handlers return nothing: one crossing decides that case.
    !value.is_undefined()
        && (value.is_object() || value.is_function())
        && value
            .unchecked_ref::<MaybeThenable>()
            .then()
            .is_ok_and(|then| then.is_function())
}

/// True if `value` is an object with a `receive` method (a behaviour).
pub(crate) fn has_receive(value: &JsValue) -> bool {
    value.is_object()
        && value
            .unchecked_ref::<Behaviour>()
            .receive_hook()
            .is_function()
}

/// `promise.then(on_fulfilled, on_rejected)`.
pub(crate) fn then(promise: &Promise, on_fulfilled: &Function, on_rejected: &Function) {
    let _ = promise
        .unchecked_ref::<Thenable>()
        .then_with(on_fulfilled, on_rejected);
}

/// A hook read by one of the getters above, if it is a function.
pub(crate) fn hook(value: JsValue) -> Option<Function> {
    value.dyn_into::<Function>().ok()
}

/// `target[key]` if it is a function.
pub(crate) fn method(target: &JsValue, key: &str) -> Option<Function> {
    if !(target.is_object() || target.is_function()) {
        return None;
    }
    get(target, key).dyn_into::<Function>().ok()
}

/// A readable description of a thrown or rejected value: its `message` (an `Error`'s), a
/// string as is, anything else by its type. Reads only through `Reflect`, so a throwing getter
/// cannot throw through wasm.
pub(crate) fn describe(thrown: &JsValue) -> String {
    if let Some(text) = thrown.as_string() {
        return text;
    }
    if thrown.is_object() || thrown.is_function() {
        return match get(thrown, "message").as_string() {
            Some(text) => text,
            None => "an object without a message was thrown".into(),
        };
    }
    if let Some(number) = thrown.as_f64() {
        return number.to_string();
    }
    if let Some(flag) = thrown.as_bool() {
        return flag.to_string();
    }
    if thrown.is_undefined() {
        return "undefined was thrown".into();
    }
    if thrown.is_null() {
        return "null was thrown".into();
    }
    "a non-Error value was thrown".into()
}
