//! The Rust actors the npm package's module exports (see [`crate::Exported`]): small, useful
//! on their own, and the reference for exporting your own.

use std::collections::BTreeMap;

use backstage_core::{Actor, ActorError, Context, Handler, Message};
use ciborium::Value;
use serde::de::{Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::exported::{export, Exported};

/// Exports every built-in actor (once per instance is enough; again is harmless).
pub(crate) fn export_all() {
    export::<Counter>();
    export::<KeyValue>();
}

/// `"counter"`: adds up numbers. `{ type: "add", by }` → the new total; `{ type: "get" }` →
/// the total; `{ type: "reset" }` → the total before.
#[derive(Debug, Default)]
pub struct Counter {
    total: f64,
}

impl Actor for Counter {}

/// A message of [`Counter`]: `{ type: "add", by }`, `{ type: "get" }` or `{ type: "reset" }`.
///
/// A flat struct rather than an internally tagged enum: serde buffers a tagged enum's fields in
/// a generic intermediate form, which costs far more code in the module than this.
#[derive(Debug, Deserialize, Serialize)]
pub struct CounterMsg {
    /// What to do.
    #[serde(rename = "type")]
    pub op: CounterOp,
    /// How much to add (`add` only).
    #[serde(default, deserialize_with = "number")]
    pub by: f64,
}

/// What a [`CounterMsg`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CounterOp {
    /// Adds `by`.
    Add,
    /// Reads the total.
    Get,
    /// Sets the total to zero.
    Reset,
}

/// Any number, integer or not: JavaScript's CBOR encoders write whole numbers as integers.
fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    struct Number;
    impl Visitor<'_> for Number {
        type Value = f64;
        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("a number")
        }
        fn visit_f64<E>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }
        fn visit_i64<E>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_u64<E>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
    }
    deserializer.deserialize_any(Number)
}

impl Message for CounterMsg {
    type Reply = f64;
}

impl Handler<CounterMsg> for Counter {
    fn handle(&mut self, msg: CounterMsg, _: &mut Context<'_, Self>) -> Result<f64, ActorError> {
        Ok(match msg.op {
            CounterOp::Add => {
                self.total += msg.by;
                self.total
            }
            CounterOp::Get => self.total,
            CounterOp::Reset => core::mem::take(&mut self.total),
        })
    }
}

impl Exported for Counter {
    const NAME: &'static str = "counter";
    type Message = CounterMsg;
    fn create() -> Self {
        Counter::default()
    }
}

/// `"kv"`: a key-value store of any serialisable values (held as CBOR data model values).
/// `{ type: "put", key, value }` → the previous value or `null`; `{ type: "get", key }` → the
/// value or `null`; `{ type: "delete", key }` → whether it was there; `{ type: "keys" }` → the
/// keys in order.
#[derive(Debug, Default)]
pub struct KeyValue {
    entries: BTreeMap<String, Value>,
}

impl Actor for KeyValue {}

/// A message of [`KeyValue`]: `{ type: "put", key, value }`, `{ type: "get", key }`,
/// `{ type: "delete", key }` or `{ type: "keys" }` (flat, like [`CounterMsg`]).
#[derive(Debug, Deserialize, Serialize)]
pub struct KeyValueMsg {
    /// What to do.
    #[serde(rename = "type")]
    pub op: KeyValueOp,
    /// The key (all but `keys`; `""` if absent).
    #[serde(default)]
    pub key: String,
    /// The value (`put`; `null` if absent).
    #[serde(default)]
    pub value: Option<Value>,
}

/// What a [`KeyValueMsg`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum KeyValueOp {
    /// Stores `value` under `key`.
    Put,
    /// Reads `key`.
    Get,
    /// Removes `key`.
    Delete,
    /// Lists the keys.
    Keys,
}

/// What [`KeyValue`] answers.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum KeyValueReply {
    /// A value, or none (`null`).
    Value(Option<Value>),
    /// Whether a key was removed.
    Removed(bool),
    /// The keys, in order.
    Keys(Vec<String>),
}

impl Message for KeyValueMsg {
    type Reply = KeyValueReply;
}

impl Handler<KeyValueMsg> for KeyValue {
    fn handle(
        &mut self,
        msg: KeyValueMsg,
        _: &mut Context<'_, Self>,
    ) -> Result<KeyValueReply, ActorError> {
        let KeyValueMsg { op, key, value } = msg;
        Ok(match op {
            KeyValueOp::Put => {
                KeyValueReply::Value(self.entries.insert(key, value.unwrap_or(Value::Null)))
            }
            KeyValueOp::Get => KeyValueReply::Value(self.entries.get(&key).cloned()),
            KeyValueOp::Delete => KeyValueReply::Removed(self.entries.remove(&key).is_some()),
            KeyValueOp::Keys => KeyValueReply::Keys(self.entries.keys().cloned().collect()),
        })
    }
}

impl Exported for KeyValue {
    const NAME: &'static str = "kv";
    type Message = KeyValueMsg;
    fn create() -> Self {
        KeyValue::default()
    }
}
