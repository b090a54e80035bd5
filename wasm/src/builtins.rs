//! The Rust actors the npm package's module exports (see [`crate::Exported`]): small, useful
//! on their own, and the reference for exporting your own.

use backstage_core::{actor, Actor, ActorError, Context, Handler, Message};
use ciborium::Value;
use serde::de::{Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::exported::{export, Exported};
use crate::proxy::{call_js, export_methods};

/// Exports every built-in actor (once per instance is enough; again is harmless).
pub(crate) fn export_all() {
    export::<Counter>();
    export_methods::<Stats>();
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

/// `Stats` (called by method, `system.rustActor("Stats", id)` in TypeScript): running
/// statistics of numbers, and the example of a Rust actor calling a JavaScript actor's method.
#[derive(Debug, Default)]
pub struct Stats {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Actor for Stats {}

/// What [`Stats`] reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct Summary {
    /// How many values.
    pub count: u64,
    /// Their mean (0 for none).
    pub mean: f64,
    /// The smallest (0 for none).
    pub min: f64,
    /// The largest (0 for none).
    pub max: f64,
}

#[actor(vis = pub)]
impl Stats {
    /// Adds a value (a tell).
    pub fn record(&mut self, value: f64) {
        if self.count == 0 {
            (self.min, self.max) = (value, value);
        }
        self.count += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    /// The statistics so far.
    pub fn summary(&self) -> Summary {
        Summary {
            count: self.count,
            mean: if self.count == 0 {
                0.0
            } else {
                self.sum / self.count as f64
            },
            min: self.min,
            max: self.max,
        }
    }

    /// Starts over; answers with the statistics before.
    pub fn reset(&mut self) -> Summary {
        let before = self.summary();
        *self = Stats::default();
        before
    }

    /// Calls `method` of the JavaScript actor `target` (an id as JavaScript holds it) with the
    /// summary, and answers with what that method returned: a Rust actor asking a JavaScript
    /// one, without blocking (the answer is deferred until the reply comes).
    pub fn report(
        &mut self,
        target: f64,
        method: String,
        ctx: &mut Context<'_, Self>,
    ) -> Result<Value, ActorError> {
        let to = crate::convert::local_id(ctx.id().node(), target)
            .ok_or_else(|| ActorError::new(format!("{target} is not an actor id")))?;
        let Some(responder) = ctx.defer_reply::<Value>() else {
            // A tell: call and forget the answer.
            call_js(
                ctx,
                to,
                &method,
                (self.summary(),),
                |_, _: Result<Value, _>, _| Ok(()),
            );
            return Ok(Value::Null);
        };
        call_js(ctx, to, &method, (self.summary(),), move |_, reply, _| {
            match reply {
                Ok(value) => responder.reply(value),
                Err(e) => responder.fail(ActorError::new(e.to_string())),
            }
            Ok(())
        });
        // Discarded: the responder answers.
        Ok(Value::Null)
    }
}
