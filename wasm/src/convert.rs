//! What crosses the boundary: actor ids as strings, options objects, errors with codes,
//! metrics, dead letters and events as plain objects.

use core::time::Duration;

use backstage_core::{
    ActorError, ActorId, ActorInfo, ActorState, AskError, DeadLetter, DeadLetterReason, Decision,
    Envelope, NodeId, Overflow, SendError, SpawnError, SpawnOptions, StopReason, Strategy,
    Supervisor, SystemConfig, SystemEvent, SystemMetrics, Topic, TopicError,
};
use js_sys::{Array, Float64Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::actor::{JsMessage, Published};
use crate::js::{error, get, object, set};

/// Error codes of this layer (the core's own codes come from `code()` on its errors).
pub(crate) const RUNTIME_SHUT_DOWN: &str = "RUNTIME_SHUT_DOWN";
/// The call needs the whole system, which a running handler cannot reach (see `lib.rs`).
pub(crate) const RUNTIME_BUSY: &str = "RUNTIME_BUSY";
/// An argument of the wrong type or out of range.
pub(crate) const INVALID_ARGUMENT: &str = "INVALID_ARGUMENT";
/// A malformed actor id (the core's code for ids that name no actor).
pub(crate) const NO_SUCH_ACTOR: &str = "NO_SUCH_ACTOR";

/// A local actor id as JavaScript holds it: one whole number from 1 to 2⁵³
/// ([`ActorId::local_number`] + 1), so passing it costs nothing and `===` compares ids. Never
/// 0: the number an id argument becomes when JavaScript passes `null`, `false` or `""`.
pub(crate) fn id_to_f64(id: ActorId) -> f64 {
    (id.local_number() + 1) as f64
}

/// An id for an event or a dead letter: a number for this node's actors, the text
/// `"node.index.generation"` for another node's (which a number cannot hold).
pub(crate) fn id_to_js(node: NodeId, id: ActorId) -> JsValue {
    if id.node() == node {
        JsValue::from_f64(id_to_f64(id))
    } else {
        let (node, index, generation) = id.to_parts();
        JsValue::from_str(&format!("{node}.{index}.{generation}"))
    }
}

fn opt_id_to_js(node: NodeId, id: Option<ActorId>) -> JsValue {
    id.map_or(JsValue::UNDEFINED, |id| id_to_js(node, id))
}

/// An actor id from JavaScript (a whole number from [`id_to_f64`]) on `node`; anything else
/// is `NO_SUCH_ACTOR`.
pub(crate) fn id_from_f64(node: NodeId, value: f64) -> Result<ActorId, JsValue> {
    local_id(node, value).ok_or_else(|| error(NO_SUCH_ACTOR, "not an actor id"))
}

pub(crate) fn local_id(node: NodeId, value: f64) -> Option<ActorId> {
    // 2⁵³: the largest id (generation 2²¹ - 1, index 2³² - 1, plus one), still exact in an f64.
    const MAX_ID: f64 = 9_007_199_254_740_992.0;
    if (1.0..=MAX_ID).contains(&value) && value.fract() == 0.0 {
        ActorId::from_local_number(node, value as u64 - 1)
    } else {
        None
    }
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
    /// How long one drain runs, in milliseconds, before it yields to the host.
    pub(crate) slice_ms: f64,
    /// `guard(f)` returns `f` wrapped for the host to call (the callbacks the runtime hands to
    /// `queueMicrotask`, timers and promises): where the instance may trap, the wrapper is
    /// what keeps the trap from becoming the host's uncaught exception.
    pub(crate) guard: Option<js_sys::Function>,
}

/// The default for the most messages the core handles in one step of a drain (between two
/// looks at the clock).
pub(crate) const DEFAULT_BUDGET: usize = 256;

/// The default length of a drain: well inside a 60 Hz frame, and long enough that a flood of
/// messages is not slowed by a yield every few hundred of them (a `MessageChannel` hop costs
/// Chromium about as much as a few hundred cheap messages).
pub(crate) const DEFAULT_SLICE_MS: f64 = 4.0;

/// `{ node?, defaultCapacity?, quantum?, budget?, sliceMs?, deadLetterRetention?, supervisor? }`
/// (`supervisor`: how top-level actors are supervised).
pub(crate) fn runtime_options(options: &JsValue) -> Result<RuntimeOptions, JsValue> {
    let mut config = SystemConfig::default();
    let mut budget = DEFAULT_BUDGET;
    let mut slice_ms = DEFAULT_SLICE_MS;
    let mut guard = None;
    if check_object(options, "runtime options")? {
        let value = get(options, "guard");
        if !value.is_undefined() {
            guard = Some(
                value
                    .dyn_into::<js_sys::Function>()
                    .map_err(|_| error(INVALID_ARGUMENT, "guard must be a function"))?,
            );
        }
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
        let value = get(options, "sliceMs");
        if !value.is_undefined() {
            slice_ms = value
                .as_f64()
                .filter(|ms| (0.0..=max).contains(ms))
                .ok_or_else(|| {
                    error(
                        INVALID_ARGUMENT,
                        "sliceMs must be a number of milliseconds, at least 0",
                    )
                })?;
        }
        if let Some(n) = whole(options, "deadLetterRetention", 0.0, max)? {
            config.dead_letter_retention = n as usize;
        }
        if let Some(supervisor) = supervisor(options)? {
            config.root_supervisor = supervisor;
        }
    }
    Ok(RuntimeOptions {
        config,
        budget,
        slice_ms,
        guard,
    })
}

/// `{ name?, capacity?, overflow?: 'reject' | 'dropOldest' | 'dropNewest', supervisor? }`
/// (`supervisor`: how this actor supervises its children).
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
    if let Some(supervisor) = supervisor(options)? {
        spawn = spawn.supervisor(supervisor);
    }
    Ok(spawn)
}

/// `target[key]` as a string: `None` if absent (`undefined` or `null`); a present non-string
/// reads as `Some("")`, which no option accepts.
fn optional_string(target: &JsValue, key: &str) -> Option<String> {
    let value = get(target, key);
    if value.is_undefined() || value.is_null() {
        return None;
    }
    Some(value.as_string().unwrap_or_default())
}

/// `options.supervisor`: `{ strategy?: 'oneForOne' | 'oneForAll' | 'restForOne', onFailure?:
/// 'restart' | 'resume' | 'stop' | 'escalate', maxRestarts?, withinMs? }`.
fn supervisor(options: &JsValue) -> Result<Option<Supervisor>, JsValue> {
    let value = get(options, "supervisor");
    if !check_object(&value, "supervisor")? {
        return Ok(None);
    }
    let strategy = match optional_string(&value, "strategy").as_deref() {
        None | Some("oneForOne") => Strategy::OneForOne,
        Some("oneForAll") => Strategy::OneForAll,
        Some("restForOne") => Strategy::RestForOne,
        Some(_) => {
            return Err(error(
                INVALID_ARGUMENT,
                "supervisor.strategy must be 'oneForOne', 'oneForAll' or 'restForOne'",
            ))
        }
    };
    // The core's decider is a plain `fn` (no JavaScript runs while it decides), one per choice.
    let decider: fn(&ActorError) -> Decision = match optional_string(&value, "onFailure").as_deref()
    {
        None | Some("restart") => |_| Decision::Restart,
        Some("resume") => |_| Decision::Resume,
        Some("stop") => |_| Decision::Stop,
        Some("escalate") => |_| Decision::Escalate,
        Some(_) => {
            return Err(error(
                INVALID_ARGUMENT,
                "supervisor.onFailure must be 'restart', 'resume', 'stop' or 'escalate'",
            ))
        }
    };
    let mut supervisor = Supervisor::new(strategy).decider(decider);
    let max_restarts = whole(&value, "maxRestarts", 0.0, f64::from(u32::MAX))?;
    let within = whole(&value, "withinMs", 0.0, 1e12)?;
    if max_restarts.is_some() || within.is_some() {
        supervisor = supervisor.max_restarts(
            max_restarts.map_or(3, |n| n as u32),
            Duration::from_millis(within.map_or(5000, |ms| ms as u64)),
        );
    }
    Ok(Some(supervisor))
}

/// An ask's `timeoutMs`: `undefined` for none, else a non-negative finite number of
/// milliseconds.
pub(crate) fn timeout(ms: Option<f64>) -> Result<Option<Duration>, JsValue> {
    let Some(ms) = ms else { return Ok(None) };
    Some(ms)
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

/// How many numbers describe one actor in [`actor_table`]'s `columns`.
pub(crate) const ACTOR_COLUMNS: usize = 9;

/// Every actor of `infos` as one table, built with a handful of boundary crossings however many
/// actors there are (an object per actor cost ~10 µs each): `{ at, columns, types, names }`,
/// where `columns` is a `Float64Array` of [`ACTOR_COLUMNS`] numbers per actor — `id`, `parent`
/// (0: none), `state` (0 starting, 1 running, 2 suspended, 3 paused, 4 stopping), `mailbox`,
/// `capacity`, `processed`, `errors`, `restarts`, and an index into `types` (short type
/// names) — and `names` lists `[row, name]` for the named ones.
pub(crate) fn actor_table(
    driver: &crate::driver::Driver,
    infos: &[ActorInfo],
    at_ms: f64,
) -> JsValue {
    let mut columns = Vec::with_capacity(infos.len() * ACTOR_COLUMNS);
    let mut types: Vec<&'static str> = Vec::new();
    let names = Array::new();
    for (row, info) in infos.iter().enumerate() {
        let ty = short_type(info.type_name);
        let type_index = match types.iter().position(|t| *t == ty) {
            Some(i) => i,
            None => {
                types.push(ty);
                types.len() - 1
            }
        };
        let state = match info.state {
            ActorState::Starting => 0.0,
            ActorState::Suspended => 2.0,
            ActorState::Paused => 3.0,
            ActorState::Stopping => 4.0,
            _ => 1.0,
        };
        columns.extend([
            driver.id_to_f64(info.id),
            info.parent.map_or(0.0, |p| driver.id_to_f64(p)),
            state,
            info.mailbox_len as f64,
            info.capacity as f64,
            info.processed as f64,
            f64::from(info.errors),
            f64::from(info.restarts),
            type_index as f64,
        ]);
        if let Some(name) = &info.name {
            names.push(&Array::of2(
                &JsValue::from(row as u32),
                &JsValue::from_str(name),
            ));
        }
    }
    let out = object();
    set(&out, "at", &JsValue::from_f64(at_ms));
    set(&out, "columns", &Float64Array::from(columns.as_slice()));
    let types: Array = types.into_iter().map(JsValue::from_str).collect();
    set(&out, "types", &types);
    set(&out, "names", &names);
    out
}

/// A topic's inspection row: `{ name, owner, subscribers }`.
pub(crate) fn topic(driver: &crate::driver::Driver, topic: &Topic, subscribers: usize) -> JsValue {
    let out = object();
    set(&out, "name", &JsValue::from_str(topic.name()));
    set(
        &out,
        "owner",
        &topic
            .owner()
            .map_or(JsValue::NULL, |o| JsValue::from_f64(driver.id_to_f64(o))),
    );
    set(&out, "subscribers", &u(subscribers as u64));
    out
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
    if let Some(Published(value)) = letter.downcast_ref::<Published>() {
        return JsValue::clone(value);
    }
    if let Some(envelope) = letter.downcast_ref::<Envelope>() {
        if let Some(JsMessage(value)) = envelope.payload.downcast_ref::<JsMessage>() {
            return value.clone();
        }
    }
    JsValue::UNDEFINED
}

/// `{ to, from, reason, messageType, message }`.
pub(crate) fn dead_letter(node: NodeId, letter: &DeadLetter) -> JsValue {
    let out = object();
    fill_dead_letter(node, &out, letter);
    out
}

fn fill_dead_letter(node: NodeId, out: &JsValue, letter: &DeadLetter) {
    set(out, "to", &opt_id_to_js(node, letter.to));
    set(out, "from", &opt_id_to_js(node, letter.from));
    set(out, "reason", &JsValue::from_str(letter.reason.code()));
    set(
        out,
        "messageType",
        &JsValue::from_str(short_type(letter.message_type)),
    );
    set(out, "message", &dead_message(letter));
}

pub(crate) fn stop_reason(reason: &StopReason) -> &'static str {
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
pub(crate) fn event(node: NodeId, event: &SystemEvent<'_>) -> JsValue {
    let out = object();
    let kind = match event {
        SystemEvent::Spawned {
            id, parent, name, ..
        } => {
            set(&out, "id", &id_to_js(node, *id));
            set(&out, "parent", &opt_id_to_js(node, *parent));
            set(
                &out,
                "name",
                &name.map_or(JsValue::UNDEFINED, JsValue::from_str),
            );
            "spawned"
        }
        SystemEvent::Failed { id, error } => {
            set(&out, "id", &id_to_js(node, *id));
            set(&out, "error", &actor_error(error));
            "failed"
        }
        SystemEvent::Restarted { id, cause } => {
            set(&out, "id", &id_to_js(node, *id));
            set(&out, "error", &actor_error(cause));
            "restarted"
        }
        SystemEvent::Stopped { id, reason } => {
            set(&out, "id", &id_to_js(node, *id));
            set(&out, "reason", &JsValue::from_str(stop_reason(reason)));
            if let StopReason::Failed(e) = reason {
                set(&out, "error", &actor_error(e));
            }
            "stopped"
        }
        SystemEvent::DeadLetter(letter) => {
            fill_dead_letter(node, &out, letter);
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
    fn ids_round_trip_as_numbers() {
        let node = NodeId(3);
        for id in [
            ActorId::from_parts(3, 17, 2),
            ActorId::from_parts(3, u32::MAX, ActorId::GENERATION_LIMIT - 1),
            ActorId::from_parts(3, 0, 0),
        ] {
            let n = id_to_f64(id);
            assert_eq!(local_id(node, n), Some(id));
        }
    }

    #[test]
    fn numbers_that_are_no_ids_are_rejected() {
        let node = NodeId(0);
        let limit = f64::from(ActorId::GENERATION_LIMIT) * 4_294_967_296.0;
        for bad in [0.0, -1.0, 0.5, f64::NAN, f64::INFINITY, limit * 2.0, 1e300] {
            assert_eq!(local_id(node, bad), None, "{bad}");
        }
    }

    #[test]
    fn type_names_are_shortened() {
        assert_eq!(short_type("backstage_wasm::actor::JsMessage"), "JsMessage");
        assert_eq!(short_type("a::b::Typed<x::Y>"), "Typed");
        assert_eq!(short_type("u32"), "u32");
    }
}
