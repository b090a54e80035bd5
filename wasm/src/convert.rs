//! What crosses the boundary: actor ids as strings, options objects, errors with codes,
//! metrics, dead letters and events as plain objects.

use core::time::Duration;

use backstage_core::{
    ActorError, ActorId, AskError, DeadLetter, DeadLetterReason, Envelope, NodeId, Overflow,
    SendError, SpawnError, SpawnOptions, StopReason, SystemConfig, SystemEvent, SystemMetrics,
    TopicError,
};
use wasm_bindgen::JsValue;

use crate::actor::JsMessage;
use crate::js::{error, get, object, set};

/// Error codes of this layer (the core's own codes come from `code()` on its errors).
pub(crate) const RUNTIME_SHUT_DOWN: &str = "RUNTIME_SHUT_DOWN";
/// The call needs the whole system, which a running handler cannot reach (see `lib.rs`).
pub(crate) const RUNTIME_BUSY: &str = "RUNTIME_BUSY";
/// An argument of the wrong type or out of range.
pub(crate) const INVALID_ARGUMENT: &str = "INVALID_ARGUMENT";
/// A malformed actor id (the core's code for ids that name no actor).
pub(crate) const NO_SUCH_ACTOR: &str = "NO_SUCH_ACTOR";

/// `"node.index.generation"`: the form actor ids take in JavaScript.
pub(crate) fn id_string(id: ActorId) -> String {
    let (node, index, generation) = id.to_parts();
    format!("{node}.{index}.{generation}")
}

pub(crate) fn id_to_js(id: ActorId) -> JsValue {
    JsValue::from_str(&id_string(id))
}

pub(crate) fn opt_id_to_js(id: Option<ActorId>) -> JsValue {
    id.map_or(JsValue::UNDEFINED, id_to_js)
}

/// Parses `"node.index.generation"` (three decimal `u32`s, digits only).
pub(crate) fn parse_id(text: &str) -> Option<ActorId> {
    let mut parts = text.split('.');
    let mut next = || -> Option<u32> {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 10 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (node, index, generation) = (next()?, next()?, next()?);
    if parts.next().is_some() {
        return None;
    }
    Some(ActorId::from_parts(node, index, generation))
}

/// An actor id from JavaScript; anything but a well-formed id string is `NO_SUCH_ACTOR`.
pub(crate) fn id_from_js(value: &JsValue) -> Result<ActorId, JsValue> {
    value
        .as_string()
        .as_deref()
        .and_then(parse_id)
        .ok_or_else(|| {
            error(
                NO_SUCH_ACTOR,
                "not an actor id (ids are strings \"node.index.generation\")",
            )
        })
}

/// A string argument (names, topics).
pub(crate) fn string_arg(value: &JsValue, what: &str) -> Result<String, JsValue> {
    value
        .as_string()
        .ok_or_else(|| error(INVALID_ARGUMENT, &format!("{what} must be a string")))
}

pub(crate) fn send_error(e: SendError) -> JsValue {
    error(e.code(), &e.to_string())
}

pub(crate) fn spawn_error(e: SpawnError) -> JsValue {
    error(e.code(), &e.to_string())
}

pub(crate) fn topic_error(e: TopicError) -> JsValue {
    error(e.code(), &e.to_string())
}

pub(crate) fn ask_error(e: AskError) -> JsValue {
    error(e.code(), &e.to_string())
}

pub(crate) fn shut_down() -> JsValue {
    error(RUNTIME_SHUT_DOWN, "the runtime has been shut down")
}

/// Reads an optional whole number `options[key]` in `min..=max`.
fn whole(options: &JsValue, key: &str, min: f64, max: f64) -> Result<Option<f64>, JsValue> {
    let value = get(options, key);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n.fract() == 0.0 && n >= min && n <= max => Ok(Some(n)),
        _ => Err(error(
            INVALID_ARGUMENT,
            &format!("{key} must be a whole number from {min} to {max}"),
        )),
    }
}

/// `options` must be `undefined`, `null` or an object.
fn check_object(options: &JsValue, what: &str) -> Result<bool, JsValue> {
    if options.is_undefined() || options.is_null() {
        Ok(false)
    } else if options.is_object() {
        Ok(true)
    } else {
        Err(error(
            INVALID_ARGUMENT,
            &format!("{what} must be an object"),
        ))
    }
}

/// What `new Runtime(options)` accepts.
pub(crate) struct RuntimeOptions {
    pub(crate) config: SystemConfig,
    pub(crate) budget: usize,
}

/// The default number of messages one drain handles before yielding to the host.
pub(crate) const DEFAULT_BUDGET: usize = 2048;

/// `{ node?, defaultCapacity?, quantum?, budget?, deadLetterRetention? }`.
pub(crate) fn runtime_options(options: &JsValue) -> Result<RuntimeOptions, JsValue> {
    let mut config = SystemConfig::default();
    let mut budget = DEFAULT_BUDGET;
    if check_object(options, "runtime options")? {
        let max = f64::from(u32::MAX);
        if let Some(n) = whole(options, "node", 0.0, max)? {
            config.node = NodeId(n as u32);
        }
        if let Some(n) = whole(options, "defaultCapacity", 1.0, max)? {
            config.default_capacity = n as usize;
        }
        if let Some(n) = whole(options, "quantum", 1.0, max)? {
            config.quantum = n as usize;
        }
        if let Some(n) = whole(options, "budget", 1.0, max)? {
            budget = n as usize;
        }
        if let Some(n) = whole(options, "deadLetterRetention", 0.0, max)? {
            config.dead_letter_retention = n as usize;
        }
    }
    Ok(RuntimeOptions { config, budget })
}

/// `{ name?, capacity?, overflow?: 'reject' | 'dropOldest' | 'dropNewest' }`.
pub(crate) fn spawn_options(options: &JsValue) -> Result<SpawnOptions, JsValue> {
    let mut spawn = SpawnOptions::new();
    if !check_object(options, "spawn options")? {
        return Ok(spawn);
    }
    let name = get(options, "name");
    if !(name.is_undefined() || name.is_null()) {
        spawn = spawn.name(&string_arg(&name, "name")?);
    }
    if let Some(n) = whole(options, "capacity", 1.0, f64::from(u32::MAX))? {
        spawn = spawn.capacity(n as usize);
    }
    let overflow = get(options, "overflow");
    if !(overflow.is_undefined() || overflow.is_null()) {
        let policy = match overflow.as_string().as_deref() {
            Some("reject") => Overflow::Reject,
            Some("dropOldest") => Overflow::DropOldest,
            Some("dropNewest") => Overflow::DropNewest,
            _ => {
                return Err(error(
                    INVALID_ARGUMENT,
                    "overflow must be 'reject', 'dropOldest' or 'dropNewest'",
                ))
            }
        };
        spawn = spawn.overflow(policy);
    }
    Ok(spawn)
}

/// An ask's `timeoutMs`: `undefined`/`null` for none, else a finite number of milliseconds.
pub(crate) fn timeout(value: &JsValue) -> Result<Option<Duration>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .as_f64()
        .filter(|ms| *ms >= 0.0)
        .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok())
        .map(Some)
        .ok_or_else(|| {
            error(
                INVALID_ARGUMENT,
                "timeoutMs must be a non-negative finite number",
            )
        })
}

/// The last path segment of a Rust type name (`JsMessage`, `Envelope`, `PoisonPill`).
fn short_type(name: &str) -> &str {
    let base = name.split('<').next().unwrap_or(name);
    base.rsplit("::").next().unwrap_or(base)
}

fn u(n: u64) -> JsValue {
    JsValue::from_f64(n as f64)
}

/// `SystemMetrics` as `{ sent, delivered, rejected, deadLetters, deadLettersByReason,
/// spawned, stopped, failures, restarts, liveActors }`.
pub(crate) fn metrics(m: &SystemMetrics) -> JsValue {
    let out = object();
    set(&out, "sent", &u(m.sent));
    set(&out, "delivered", &u(m.delivered));
    set(&out, "rejected", &u(m.rejected));
    set(&out, "deadLetters", &u(m.dead_letters));
    let by_reason = object();
    for reason in DeadLetterReason::ALL {
        set(&by_reason, reason.code(), &u(m.dead_letters_for(reason)));
    }
    set(&out, "deadLettersByReason", &by_reason);
    set(&out, "spawned", &u(m.spawned));
    set(&out, "stopped", &u(m.stopped));
    set(&out, "failures", &u(m.failures));
    set(&out, "restarts", &u(m.restarts));
    set(&out, "liveActors", &u(m.live_actors));
    out
}

/// The JavaScript value a dead letter carried, if it was one of ours.
fn dead_message(letter: &DeadLetter) -> JsValue {
    if let Some(JsMessage(value)) = letter.downcast_ref::<JsMessage>() {
        return value.clone();
    }
    if let Some(envelope) = letter.downcast_ref::<Envelope>() {
        if let Some(JsMessage(value)) = envelope.payload.downcast_ref::<JsMessage>() {
            return value.clone();
        }
    }
    JsValue::UNDEFINED
}

/// `{ to, from, reason, messageType, message }`.
pub(crate) fn dead_letter(letter: &DeadLetter) -> JsValue {
    let out = object();
    fill_dead_letter(&out, letter);
    out
}

fn fill_dead_letter(out: &JsValue, letter: &DeadLetter) {
    set(out, "to", &opt_id_to_js(letter.to));
    set(out, "from", &opt_id_to_js(letter.from));
    set(out, "reason", &JsValue::from_str(letter.reason.code()));
    set(
        out,
        "messageType",
        &JsValue::from_str(short_type(letter.message_type)),
    );
    set(out, "message", &dead_message(letter));
}

fn stop_reason(reason: &StopReason) -> &'static str {
    match reason {
        StopReason::Requested => "requested",
        StopReason::PoisonPill => "poisonPill",
        StopReason::ParentStopped => "parentStopped",
        StopReason::Shutdown => "shutdown",
        StopReason::Failed(_) => "failed",
    }
}

fn actor_error(e: &ActorError) -> JsValue {
    JsValue::from_str(&e.to_string())
}

/// An event for `onEvent` listeners: `{ type: 'spawned' | 'failed' | 'restarted' | 'stopped' |
/// 'deadLetter', ... }`.
pub(crate) fn event(event: &SystemEvent<'_>) -> JsValue {
    let out = object();
    let kind = match event {
        SystemEvent::Spawned {
            id, parent, name, ..
        } => {
            set(&out, "id", &id_to_js(*id));
            set(&out, "parent", &opt_id_to_js(*parent));
            set(
                &out,
                "name",
                &name.map_or(JsValue::UNDEFINED, JsValue::from_str),
            );
            "spawned"
        }
        SystemEvent::Failed { id, error } => {
            set(&out, "id", &id_to_js(*id));
            set(&out, "error", &actor_error(error));
            "failed"
        }
        SystemEvent::Restarted { id, cause } => {
            set(&out, "id", &id_to_js(*id));
            set(&out, "error", &actor_error(cause));
            "restarted"
        }
        SystemEvent::Stopped { id, reason } => {
            set(&out, "id", &id_to_js(*id));
            set(&out, "reason", &JsValue::from_str(stop_reason(reason)));
            if let StopReason::Failed(e) = reason {
                set(&out, "error", &actor_error(e));
            }
            "stopped"
        }
        SystemEvent::DeadLetter(letter) => {
            fill_dead_letter(&out, letter);
            "deadLetter"
        }
        // `SystemEvent` may grow; new kinds reach listeners with their type only.
        #[allow(unreachable_patterns)]
        _ => "other",
    };
    set(&out, "type", &JsValue::from_str(kind));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        let id = ActorId::from_parts(3, 17, 2);
        assert_eq!(id_string(id), "3.17.2");
        assert_eq!(parse_id("3.17.2"), Some(id));
        assert_eq!(
            parse_id("4294967295.0.4294967295"),
            Some(ActorId::from_parts(u32::MAX, 0, u32::MAX))
        );
    }

    #[test]
    fn malformed_ids_are_rejected() {
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "a.b.c",
            "+1.2.3",
            "1.-2.3",
            "1..3",
            " 1.2.3",
            "1.2.3 ",
            "4294967296.0.0",
            "00000000001.0.0",
        ] {
            assert_eq!(parse_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn type_names_are_shortened() {
        assert_eq!(short_type("backstage_wasm::actor::JsMessage"), "JsMessage");
        assert_eq!(short_type("a::b::Typed<x::Y>"), "Typed");
        assert_eq!(short_type("u32"), "u32");
    }
}
