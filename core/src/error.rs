//! The typed errors of the runtime. None of them is ever a panic.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use core::fmt;

use crate::ActorId;

/// Why a message could not be put into a mailbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendError {
    /// No actor ever had this id.
    NoSuchActor(ActorId),
    /// The actor has stopped (or is stopping); its id will never be valid again.
    Stopped(ActorId),
    /// The mailbox is at capacity and its overflow policy is [`Overflow::Reject`](crate::Overflow::Reject).
    MailboxFull(ActorId),
    /// The id belongs to another node and no transport routes there.
    Unroutable(ActorId),
}

impl SendError {
    /// The actor the message was for.
    pub fn target(&self) -> ActorId {
        match *self {
            SendError::NoSuchActor(id)
            | SendError::Stopped(id)
            | SendError::MailboxFull(id)
            | SendError::Unroutable(id) => id,
        }
    }

    /// A stable, machine-readable code (shared with the TypeScript API).
    pub fn code(&self) -> &'static str {
        match self {
            SendError::NoSuchActor(_) => "NO_SUCH_ACTOR",
            SendError::Stopped(_) => "ACTOR_STOPPED",
            SendError::MailboxFull(_) => "MAILBOX_FULL",
            SendError::Unroutable(_) => "UNROUTABLE",
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::NoSuchActor(id) => write!(f, "no actor {id}"),
            SendError::Stopped(id) => write!(f, "actor {id} has stopped"),
            SendError::MailboxFull(id) => write!(f, "mailbox of actor {id} is full"),
            SendError::Unroutable(id) => {
                write!(f, "no route to actor {id} on node {}", id.node().0)
            }
        }
    }
}

impl core::error::Error for SendError {}

/// Why an actor could not be spawned or looked up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpawnError {
    /// Another live actor already has this name.
    NameTaken(String),
    /// The named actor exists but is not of the requested type.
    TypeMismatch {
        /// The name that was looked up.
        name: String,
        /// The type that was asked for.
        expected: &'static str,
        /// The type the actor has.
        found: &'static str,
    },
    /// The would-be parent is not alive.
    ParentGone(ActorId),
}

impl SpawnError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            SpawnError::NameTaken(_) => "NAME_TAKEN",
            SpawnError::TypeMismatch { .. } => "TYPE_MISMATCH",
            SpawnError::ParentGone(_) => "ACTOR_STOPPED",
        }
    }
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::NameTaken(name) => write!(f, "the name {name:?} is taken"),
            SpawnError::TypeMismatch {
                name,
                expected,
                found,
            } => write!(f, "actor {name:?} is a {found}, not a {expected}"),
            SpawnError::ParentGone(id) => write!(f, "parent {id} is not alive"),
        }
    }
}

impl core::error::Error for SpawnError {}

/// Why an ask produced no reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AskError {
    /// The request never reached a mailbox.
    Send(SendError),
    /// No reply came before the deadline.
    Timeout,
    /// The handler failed; the error is the one it returned (or the panic it raised).
    Failed(ActorError),
    /// The request was accepted but dropped unanswered: the actor stopped first, the message
    /// was dropped by an overflow policy, or a deferred responder was dropped.
    NoReply,
    /// The future was polled again after it had already produced its result.
    Consumed,
}

impl AskError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AskError::Send(e) => e.code(),
            AskError::Timeout => "ASK_TIMEOUT",
            AskError::Failed(_) => "HANDLER_FAILED",
            AskError::NoReply => "NO_REPLY",
            AskError::Consumed => "CONSUMED",
        }
    }
}

impl From<SendError> for AskError {
    fn from(e: SendError) -> Self {
        AskError::Send(e)
    }
}

impl fmt::Display for AskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AskError::Send(e) => write!(f, "ask not sent: {e}"),
            AskError::Timeout => f.write_str("ask timed out"),
            AskError::Failed(e) => write!(f, "handler failed: {e}"),
            AskError::NoReply => f.write_str("the request was dropped without a reply"),
            AskError::Consumed => f.write_str("the ask result was already taken"),
        }
    }
}

impl core::error::Error for AskError {}

/// What kind of failure an [`ActorError`] records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// A handler or hook returned an error.
    Error,
    /// A handler panicked (caught with the `std` feature).
    Panic,
    /// A child failed beyond its restart intensity and its supervisor escalated.
    Escalated,
}

/// A failure of an actor: returned by handlers and hooks, handed to the supervisor.
///
/// Build one from a string (`"bad input".into()`) or from any error with
/// [`ActorError::from_error`]. It is one pointer wide, so a handler's `Result` stays small on
/// the message path.
#[derive(Clone, PartialEq, Eq)]
pub struct ActorError(Box<Failure>);

#[derive(Clone, PartialEq, Eq)]
struct Failure {
    kind: FailureKind,
    message: Cow<'static, str>,
}

impl ActorError {
    /// A handler error with this message.
    pub fn new(message: impl Into<Cow<'static, str>>) -> Self {
        ActorError::with_kind(FailureKind::Error, message)
    }

    /// A handler error describing `error` (its `Display` text).
    pub fn from_error(error: &dyn core::error::Error) -> Self {
        ActorError::new(error.to_string())
    }

    pub(crate) fn with_kind(kind: FailureKind, message: impl Into<Cow<'static, str>>) -> Self {
        ActorError(Box::new(Failure {
            kind,
            message: message.into(),
        }))
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> FailureKind {
        self.0.kind
    }

    /// The human-readable description.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl fmt::Debug for ActorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActorError({:?}: {})", self.kind(), self.message())
    }
}

impl fmt::Display for ActorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            FailureKind::Error => f.write_str(self.message()),
            FailureKind::Panic => write!(f, "panicked: {}", self.message()),
            FailureKind::Escalated => write!(f, "escalated: {}", self.message()),
        }
    }
}

impl core::error::Error for ActorError {}

impl From<&'static str> for ActorError {
    fn from(s: &'static str) -> Self {
        ActorError::new(s)
    }
}

impl From<String> for ActorError {
    fn from(s: String) -> Self {
        ActorError::new(s)
    }
}

impl From<SendError> for ActorError {
    fn from(e: SendError) -> Self {
        ActorError::new(e.to_string())
    }
}

impl From<SpawnError> for ActorError {
    fn from(e: SpawnError) -> Self {
        ActorError::new(e.to_string())
    }
}

impl From<TopicError> for ActorError {
    fn from(e: TopicError) -> Self {
        ActorError::new(e.to_string())
    }
}

/// Why a topic or stream operation was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopicError {
    /// The stream exists with another element type.
    TypeMismatch {
        /// The stream's name.
        name: String,
        /// The element type asked for.
        expected: &'static str,
        /// The element type the stream was created with.
        found: &'static str,
    },
    /// The subscriber is not alive.
    SubscriberGone(ActorId),
}

impl TopicError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TopicError::TypeMismatch { .. } => "TYPE_MISMATCH",
            TopicError::SubscriberGone(_) => "ACTOR_STOPPED",
        }
    }
}

impl fmt::Display for TopicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopicError::TypeMismatch {
                name,
                expected,
                found,
            } => write!(f, "stream {name:?} carries {found}, not {expected}"),
            TopicError::SubscriberGone(id) => write!(f, "subscriber {id} is not alive"),
        }
    }
}

impl core::error::Error for TopicError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn errors_can_cross_threads() {
        send_sync::<SendError>();
        send_sync::<SpawnError>();
        send_sync::<AskError>();
        send_sync::<ActorError>();
        send_sync::<TopicError>();
    }
}
