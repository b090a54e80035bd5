//! The inspector protocol (`docs/inspector-protocol.md`): the JSON frames a runtime sends
//! ([`hello`], [`Snapshot::to_json`], [`EventBatch::to_json`], [`ok`],
//! [`ProtocolError::to_json`]) and the commands it reads ([`Command::decode`]).
//!
//! Both runtimes build their frames here, so a page sees byte-identical JSON from a native
//! engine over its WebSocket and from the wasm runtime in the page. Output is deterministic:
//! keys in a fixed order, no spaces, whole numbers as integers, times in milliseconds with at
//! most three decimals, rates rounded to three decimals.
//!
//! ```
//! use backstage_core::inspect::json::Limits;
//! use backstage_core::inspect::{Command, Request};
//!
//! let cmd = Command::decode(br#"{"type":"send","ref":5,"actor":"0.3.0","text":"hello"}"#, &Limits::default()).unwrap();
//! assert_eq!(cmd.reference, Some(5));
//! assert!(matches!(&cmd.request, Request::Send { text, .. } if text == "hello"));
//! assert_eq!(Command::decode(cmd.to_json().as_bytes(), &Limits::default()), Ok(cmd));
//!
//! let err = Command::decode(br#"{"type":"dance","ref":6}"#, &Limits::default()).unwrap_err();
//! assert_eq!(err.code(), "UNKNOWN_COMMAND");
//! assert_eq!(
//!     err.to_json(),
//!     r#"{"type":"error","ref":6,"code":"UNKNOWN_COMMAND","message":"unknown command type \"dance\""}"#
//! );
//! ```

use alloc::string::String;
use core::fmt::{self, Write};
use core::time::Duration;

use super::json::{self, write_str, Json, JsonError, Limits};
use super::{state_code, EventBatch, EventKind, Snapshot};
use crate::{ActorId, DeadLetterReason, Instant, SendError};

/// The protocol version a runtime announces in `hello`.
pub const PROTOCOL_VERSION: u32 = 1;
/// A `watch` without `intervalMs` pushes a snapshot this often.
pub const DEFAULT_WATCH_INTERVAL: Duration = Duration::from_millis(500);
/// Shorter `intervalMs` are raised to this (a watcher cannot make a runtime spin).
pub const MIN_WATCH_INTERVAL: Duration = Duration::from_millis(50);
/// Longer `intervalMs` are lowered to this.
pub const MAX_WATCH_INTERVAL: Duration = Duration::from_secs(3600);

/// A command with the `ref` its answer echoes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The command's `ref` (a whole number from 0 to 2⁵³ − 1), if it had one.
    pub reference: Option<u64>,
    /// What it asks for.
    pub request: Request,
}

/// What a command asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Answer with a snapshot.
    Snapshot,
    /// Push a snapshot every `interval` (clamped to [`MIN_WATCH_INTERVAL`] ..=
    /// [`MAX_WATCH_INTERVAL`]), and events as they come, batched.
    Watch {
        /// How often to push a snapshot.
        interval: Duration,
    },
    /// Stop pushing.
    Unwatch,
    /// Stop an actor.
    Stop {
        /// Which.
        actor: ActorId,
    },
    /// Send an actor an [`InspectorMessage`](super::InspectorMessage).
    Send {
        /// To whom.
        actor: ActorId,
        /// What it says.
        text: String,
    },
}

impl Command {
    /// Reads a command frame within `limits`. Every failure is a [`ProtocolError`] that
    /// carries the command's `ref` when it could be read.
    pub fn decode(frame: &[u8], limits: &Limits) -> Result<Command, ProtocolError> {
        let value = json::parse(frame, limits).map_err(|e| ProtocolError::new(None, e.into()))?;
        if value.as_object().is_none() {
            return Err(ProtocolError::new(None, ErrorKind::NotAnObject));
        }
        let reference = match value.get("ref") {
            None | Some(Json::Null) => None,
            Some(r) => match r.as_u64() {
                Some(r) => Some(r),
                None => return Err(ProtocolError::new(None, ErrorKind::InvalidReference)),
            },
        };
        let fail = |kind| ProtocolError::new(reference, kind);
        let Some(kind) = value.get("type") else {
            return Err(fail(ErrorKind::MissingType));
        };
        let Some(kind) = kind.as_str() else {
            return Err(fail(ErrorKind::MissingType));
        };
        let actor = || -> Result<ActorId, ProtocolError> {
            let text = match value.get("actor") {
                None => return Err(fail(ErrorKind::MissingField("actor"))),
                Some(v) => v.as_str(),
            };
            match text.and_then(parse_actor_id) {
                Some(id) => Ok(id),
                None => Err(fail(ErrorKind::InvalidField {
                    field: "actor",
                    expected: "an actor id \"node.index.generation\"",
                })),
            }
        };
        let request = match kind {
            "snapshot" => Request::Snapshot,
            "unwatch" => Request::Unwatch,
            "watch" => {
                let interval = match value.get("intervalMs") {
                    None | Some(Json::Null) => DEFAULT_WATCH_INTERVAL,
                    Some(v) => match v.as_f64() {
                        Some(ms) if ms > 0.0 => clamp_interval(ms),
                        _ => {
                            return Err(fail(ErrorKind::InvalidField {
                                field: "intervalMs",
                                expected: "a positive number",
                            }))
                        }
                    },
                };
                Request::Watch { interval }
            }
            "stop" => Request::Stop { actor: actor()? },
            "send" => {
                let actor = actor()?;
                let text = match value.get("text") {
                    None => return Err(fail(ErrorKind::MissingField("text"))),
                    Some(Json::String(text)) => text.clone(),
                    Some(_) => {
                        return Err(fail(ErrorKind::InvalidField {
                            field: "text",
                            expected: "a string",
                        }))
                    }
                };
                Request::Send { actor, text }
            }
            other => return Err(fail(ErrorKind::UnknownCommand(other.into()))),
        };
        Ok(Command { reference, request })
    }

    /// The command as JSON (what an inspector sends).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        let kind = match self.request {
            Request::Snapshot => "snapshot",
            Request::Watch { .. } => "watch",
            Request::Unwatch => "unwatch",
            Request::Stop { .. } => "stop",
            Request::Send { .. } => "send",
        };
        out.push_str("{\"type\":");
        write_str(&mut out, kind);
        if let Some(r) = self.reference {
            let _ = write!(out, ",\"ref\":{r}");
        }
        match &self.request {
            Request::Watch { interval } => {
                out.push_str(",\"intervalMs\":");
                write_thousandths(&mut out, interval.as_micros() as u64);
            }
            Request::Stop { actor } => {
                out.push_str(",\"actor\":");
                write_id(&mut out, Some(*actor));
            }
            Request::Send { actor, text } => {
                out.push_str(",\"actor\":");
                write_id(&mut out, Some(*actor));
                out.push_str(",\"text\":");
                write_str(&mut out, text);
            }
            Request::Snapshot | Request::Unwatch => {}
        }
        out.push('}');
        out
    }
}

fn clamp_interval(ms: f64) -> Duration {
    let min = MIN_WATCH_INTERVAL.as_millis() as f64;
    let max = MAX_WATCH_INTERVAL.as_millis() as f64;
    let ms = if ms < min {
        min
    } else if ms > max {
        max
    } else {
        ms
    };
    Duration::from_micros((ms * 1000.0) as u64)
}

/// The text form of an id: `"node.index.generation"`.
pub fn actor_id_text(id: ActorId) -> String {
    let mut out = String::new();
    let (node, index, generation) = id.to_parts();
    let _ = write!(out, "{node}.{index}.{generation}");
    out
}

/// Reads `"node.index.generation"` (three decimal numbers that fit in 32 bits).
pub fn parse_actor_id(text: &str) -> Option<ActorId> {
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

/// What went wrong with a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not JSON (or over the limits): `MALFORMED_FRAME`.
    Json(JsonError),
    /// JSON, but not an object: `MALFORMED_FRAME`.
    NotAnObject,
    /// No `type`, or not a string: `MALFORMED_FRAME`.
    MissingType,
    /// A `ref` that is not a whole number from 0 to 2⁵³ − 1: `MALFORMED_FRAME`.
    InvalidReference,
    /// A `type` the protocol does not have: `UNKNOWN_COMMAND`.
    UnknownCommand(String),
    /// A field the command needs is missing: `INVALID_ARGUMENT`.
    MissingField(&'static str),
    /// A field has the wrong type or form: `INVALID_ARGUMENT`.
    InvalidField {
        /// The field.
        field: &'static str,
        /// What it should be.
        expected: &'static str,
    },
    /// The command could not reach its actor: the [`SendError`]'s code (`NO_SUCH_ACTOR`,
    /// `ACTOR_STOPPED`, `MAILBOX_FULL`, `UNROUTABLE`).
    Send(SendError),
    /// A failure of the driver carrying the command out (e.g. `RUNTIME_SHUT_DOWN`).
    Runtime {
        /// Its stable code.
        code: &'static str,
        /// What happened.
        message: String,
    },
}

impl ErrorKind {
    /// The protocol's error code.
    pub fn code(&self) -> &'static str {
        match self {
            ErrorKind::Json(_)
            | ErrorKind::NotAnObject
            | ErrorKind::MissingType
            | ErrorKind::InvalidReference => "MALFORMED_FRAME",
            ErrorKind::UnknownCommand(_) => "UNKNOWN_COMMAND",
            ErrorKind::MissingField(_) | ErrorKind::InvalidField { .. } => "INVALID_ARGUMENT",
            ErrorKind::Send(e) => e.code(),
            ErrorKind::Runtime { code, .. } => code,
        }
    }
}

impl From<JsonError> for ErrorKind {
    fn from(e: JsonError) -> Self {
        ErrorKind::Json(e)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Json(e) => write!(f, "not a JSON command: {e}"),
            ErrorKind::NotAnObject => f.write_str("a command is a JSON object"),
            ErrorKind::MissingType => f.write_str("a command has a string `type`"),
            ErrorKind::InvalidReference => {
                f.write_str("`ref` is a whole number from 0 to 9007199254740991")
            }
            ErrorKind::UnknownCommand(kind) => {
                write!(f, "unknown command type {}", Json::String(kind.clone()))
            }
            ErrorKind::MissingField(field) => write!(f, "`{field}` is missing"),
            ErrorKind::InvalidField { field, expected } => write!(f, "`{field}` is {expected}"),
            ErrorKind::Send(e) => fmt::Display::fmt(e, f),
            ErrorKind::Runtime { message, .. } => f.write_str(message),
        }
    }
}

/// A command that failed, with the `ref` of the command when it could be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolError {
    /// The failed command's `ref`.
    pub reference: Option<u64>,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl ProtocolError {
    /// An error answering the command `reference`.
    pub fn new(reference: Option<u64>, kind: ErrorKind) -> Self {
        ProtocolError { reference, kind }
    }

    /// The protocol's error code (see [`ErrorKind::code`]).
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The `error` frame.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"type\":\"error\",\"ref\":");
        write_reference(&mut out, self.reference);
        out.push_str(",\"code\":");
        write_str(&mut out, self.code());
        out.push_str(",\"message\":");
        let mut message = String::new();
        let _ = write!(message, "{}", self.kind);
        write_str(&mut out, &message);
        out.push('}');
        out
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.kind)
    }
}

impl core::error::Error for ProtocolError {}

/// The `hello` frame: the first of a connection. `runtime` is `"native"` or `"wasm"`;
/// `nodes` the nodes whose actors the snapshots show.
pub fn hello(runtime: &str, nodes: &[u32]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "{{\"type\":\"hello\",\"protocol\":{PROTOCOL_VERSION},\"runtime\":"
    );
    write_str(&mut out, runtime);
    out.push_str(",\"nodes\":[");
    for (i, node) in nodes.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{node}");
    }
    out.push_str("]}");
    out
}

/// The `ok` frame answering command `reference`.
pub fn ok(reference: Option<u64>) -> String {
    let mut out = String::from("{\"type\":\"ok\",\"ref\":");
    write_reference(&mut out, reference);
    out.push('}');
    out
}

fn write_reference(out: &mut String, reference: Option<u64>) {
    match reference {
        Some(r) => {
            let _ = write!(out, "{r}");
        }
        None => out.push_str("null"),
    }
}

fn write_id(out: &mut String, id: Option<ActorId>) {
    match id {
        Some(id) => {
            let (node, index, generation) = id.to_parts();
            let _ = write!(out, "\"{node}.{index}.{generation}\"");
        }
        None => out.push_str("null"),
    }
}

fn write_opt_str(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => write_str(out, s),
        None => out.push_str("null"),
    }
}

/// Milliseconds with up to three decimals (microseconds), by integer arithmetic.
fn write_ms(out: &mut String, at: Instant) {
    let micros = at.as_nanos() / 1_000;
    write_thousandths(out, micros);
}

/// A non-negative number rounded to three decimals (non-finite and negative values as 0).
fn write_rate(out: &mut String, rate: f64) {
    let thousandths = if rate.is_finite() && rate > 0.0 {
        // `as` saturates; the rounding is the same on every target (IEEE 754 doubles).
        (rate * 1000.0 + 0.5) as u64
    } else {
        0
    };
    write_thousandths(out, thousandths);
}

fn write_thousandths(out: &mut String, n: u64) {
    let (whole, frac) = (n / 1000, n % 1000);
    let _ = match frac {
        0 => write!(out, "{whole}"),
        f if f % 100 == 0 => write!(out, "{whole}.{}", f / 100),
        f if f % 10 == 0 => write!(out, "{whole}.{:02}", f / 10),
        f => write!(out, "{whole}.{f:03}"),
    };
}

impl Snapshot {
    /// The `snapshot` frame.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(256 + 200 * self.actors.len());
        self.write_json(&mut out);
        out
    }

    /// Appends the `snapshot` frame to `out`.
    pub fn write_json(&self, out: &mut String) {
        let m = &self.metrics;
        out.push_str("{\"type\":\"snapshot\",\"at\":");
        write_ms(out, self.at);
        let _ = write!(
            out,
            ",\"system\":{{\"sent\":{},\"delivered\":{},\"rejected\":{},\"deadLetters\":{},\
             \"spawned\":{},\"stopped\":{},\"failures\":{},\"restarts\":{},\"liveActors\":{},\
             \"rate\":",
            m.sent,
            m.delivered,
            m.rejected,
            m.dead_letters,
            m.spawned,
            m.stopped,
            m.failures,
            m.restarts,
            m.live_actors
        );
        write_rate(out, self.rate);
        out.push_str("},\"actors\":[");
        for (i, a) in self.actors.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"id\":");
            write_id(out, Some(a.id));
            out.push_str(",\"name\":");
            write_opt_str(out, a.name.as_deref());
            out.push_str(",\"type\":");
            write_str(out, a.type_name);
            out.push_str(",\"parent\":");
            write_id(out, a.parent);
            let _ = write!(
                out,
                ",\"state\":\"{}\",\"mailbox\":{},\"capacity\":{},\"processed\":{},\"rate\":",
                state_code(a.state),
                a.mailbox,
                a.capacity,
                a.processed
            );
            write_rate(out, a.rate);
            let _ = write!(
                out,
                ",\"errors\":{},\"restarts\":{}}}",
                a.errors, a.restarts
            );
        }
        out.push_str("],\"topics\":[");
        for (i, t) in self.topics.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            write_str(out, &t.name);
            out.push_str(",\"owner\":");
            write_id(out, t.owner);
            let _ = write!(out, ",\"subscribers\":{}}}", t.subscribers);
        }
        let _ = write!(
            out,
            "],\"deadLetters\":{{\"total\":{},\"byReason\":{{",
            m.dead_letters
        );
        let mut first = true;
        for (reason, n) in self.dead_letters_by_reason() {
            if !first {
                out.push(',');
            }
            first = false;
            let _ = write!(out, "\"{}\":{n}", reason.code());
        }
        out.push_str("}}}");
    }
}

impl EventBatch {
    /// The `events` frame.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(64 + 120 * self.events.len());
        out.push_str("{\"type\":\"events\",\"events\":[");
        for (i, event) in self.events.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let kind = match event.kind {
                EventKind::Spawned { .. } => "spawned",
                EventKind::Stopped { .. } => "stopped",
                EventKind::Failed { .. } => "failed",
                EventKind::Restarted { .. } => "restarted",
                EventKind::DeadLetter { .. } => "deadLetter",
            };
            let _ = write!(out, "{{\"kind\":\"{kind}\",\"at\":");
            write_ms(&mut out, event.at);
            match &event.kind {
                EventKind::Spawned {
                    id,
                    parent,
                    name,
                    type_name,
                } => {
                    out.push_str(",\"id\":");
                    write_id(&mut out, Some(*id));
                    out.push_str(",\"parent\":");
                    write_id(&mut out, *parent);
                    out.push_str(",\"name\":");
                    write_opt_str(&mut out, name.as_deref());
                    out.push_str(",\"type\":");
                    write_str(&mut out, type_name);
                }
                EventKind::Stopped { id, reason, error } => {
                    out.push_str(",\"id\":");
                    write_id(&mut out, Some(*id));
                    out.push_str(",\"reason\":");
                    write_str(&mut out, reason);
                    if let Some(error) = error {
                        out.push_str(",\"error\":");
                        write_str(&mut out, error);
                    }
                }
                EventKind::Failed { id, error } | EventKind::Restarted { id, error } => {
                    out.push_str(",\"id\":");
                    write_id(&mut out, Some(*id));
                    out.push_str(",\"error\":");
                    write_str(&mut out, error);
                }
                EventKind::DeadLetter {
                    to,
                    from,
                    reason,
                    message_type,
                    message,
                } => {
                    out.push_str(",\"to\":");
                    write_id(&mut out, *to);
                    out.push_str(",\"from\":");
                    write_id(&mut out, *from);
                    out.push_str(",\"reason\":");
                    write_str(&mut out, DeadLetterReason::code(reason));
                    out.push_str(",\"messageType\":");
                    write_str(&mut out, message_type);
                    out.push_str(",\"message\":");
                    write_opt_str(&mut out, message.as_deref());
                }
            }
            out.push('}');
        }
        let _ = write!(out, "],\"dropped\":{}}}", self.dropped);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thousandths(n: u64) -> String {
        let mut out = String::new();
        write_thousandths(&mut out, n);
        out
    }

    #[test]
    fn numbers_print_the_same_everywhere() {
        assert_eq!(thousandths(0), "0");
        assert_eq!(thousandths(12_345_600), "12345.6");
        assert_eq!(thousandths(12_345_670), "12345.67");
        assert_eq!(thousandths(12_345_678), "12345.678");
        assert_eq!(thousandths(5), "0.005");
        let mut out = String::new();
        write_rate(&mut out, 412.0004);
        out.push(' ');
        write_rate(&mut out, 0.0005);
        out.push(' ');
        write_rate(&mut out, f64::NAN);
        out.push(' ');
        write_rate(&mut out, -3.0);
        assert_eq!(out, "412 0.001 0 0");
    }

    #[test]
    fn ids_read_back() {
        let id = ActorId::from_parts(1, 42, 7);
        assert_eq!(actor_id_text(id), "1.42.7");
        assert_eq!(parse_actor_id("1.42.7"), Some(id));
        for bad in [
            "",
            "1.2",
            "1.2.3.4",
            "a.b.c",
            "1..3",
            "+1.2.3",
            "1.2.4294967296",
            " 1.2.3",
        ] {
            assert_eq!(parse_actor_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn watch_intervals_are_clamped() {
        assert_eq!(clamp_interval(1.0), MIN_WATCH_INTERVAL);
        assert_eq!(clamp_interval(1e12), MAX_WATCH_INTERVAL);
        assert_eq!(clamp_interval(250.5), Duration::from_micros(250_500));
    }
}
