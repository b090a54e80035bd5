//! Errors of requests made through a [`Handle`](crate::Handle).

use std::fmt;

use backstage_core::wire::CallError;
use backstage_core::{AskError, SendError, SpawnError};

/// Why a request through a [`Handle`](crate::Handle) failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineError {
    /// The message could not be sent (the target's loop refused it at once).
    Send(SendError),
    /// The ask produced no reply.
    Ask(AskError),
    /// The spawn was refused.
    Spawn(SpawnError),
    /// No loop with this index (or for this actor's node) exists in the engine.
    NoSuchLoop(usize),
    /// The engine is shutting down or has shut down.
    ShutDown,
    /// The loop dropped the request without answering (it shut down first).
    Dropped,
    /// [`Reply::wait_timeout`](crate::Reply::wait_timeout) gave up.
    Timeout,
    /// Called off a loop thread where a loop thread was needed.
    NotOnLoop,
    /// A call in wire form failed ([`Handle::call`](crate::Handle::call)); it names the method.
    Call(CallError),
}

impl EngineError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Send(e) => e.code(),
            EngineError::Ask(e) => e.code(),
            EngineError::Spawn(e) => e.code(),
            EngineError::NoSuchLoop(_) => "NO_SUCH_LOOP",
            EngineError::ShutDown => "RUNTIME_SHUT_DOWN",
            EngineError::Dropped => "DROPPED",
            EngineError::Timeout => "TIMEOUT",
            EngineError::NotOnLoop => "NOT_ON_LOOP",
            EngineError::Call(e) => e.code(),
        }
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Send(e) => e.fmt(f),
            EngineError::Ask(e) => e.fmt(f),
            EngineError::Spawn(e) => e.fmt(f),
            EngineError::NoSuchLoop(i) => write!(f, "no loop {i} in this engine"),
            EngineError::ShutDown => f.write_str("the engine has shut down"),
            EngineError::Dropped => f.write_str("the request was dropped unanswered"),
            EngineError::Timeout => f.write_str("timed out waiting for the reply"),
            EngineError::NotOnLoop => f.write_str("not on a Backstage loop thread"),
            EngineError::Call(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for EngineError {}

impl From<SendError> for EngineError {
    fn from(e: SendError) -> Self {
        EngineError::Send(e)
    }
}

impl From<AskError> for EngineError {
    fn from(e: AskError) -> Self {
        EngineError::Ask(e)
    }
}

impl From<SpawnError> for EngineError {
    fn from(e: SpawnError) -> Self {
        EngineError::Spawn(e)
    }
}
