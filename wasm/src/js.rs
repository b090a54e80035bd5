//! The JavaScript this crate calls, and small helpers over it.
//!
//! Every `#[wasm_bindgen]` import is declared here and only here: wasm-bindgen names an import
//! shim after the crate, so declaring the same import twice in this package (say, in a test)
//! fails at link time with a duplicate symbol.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = queueMicrotask)]
    pub(crate) fn queue_microtask(callback: &Function);

    #[wasm_bindgen(js_name = setTimeout)]
    pub(crate) fn set_timeout(callback: &Function, ms: f64) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    pub(crate) fn clear_timeout(handle: &JsValue);

    /// A behaviour object as JavaScript handed it over: `{ receive, started?, stopped? }`.
    #[derive(Clone)]
    pub(crate) type Behaviour;

    /// `behaviour.receive(message, ctx)`, looked up on every call (so a behaviour may replace
    /// its own `receive`), one boundary crossing.
    #[wasm_bindgen(method, catch)]
    pub(crate) fn receive(
        this: &Behaviour,
        message: &JsValue,
        ctx: &JsValue,
    ) -> Result<JsValue, JsValue>;
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
