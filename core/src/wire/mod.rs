//! The wire form of method calls (feature `cbor`): what a proxy call becomes when it crosses a
//! boundary (into or out of WebAssembly, between loops, between processes).
//!
//! Local calls never come here: a proxy call between actors of one system is a plain Rust value
//! (see [`proxy`](crate::proxy)). Here, a call is a **frame**, CBOR (RFC 8949):
//!
//! ```text
//! [ method: text, [ arg0, arg1, ... ] ]
//! ```
//!
//! - `method` is the **method id**: the name of the Rust method as written (`"increment"`,
//!   `"say_hello"`). It is stable across builds, compilers and platforms, readable in a
//!   capture, and what another language can write without a hash function; renaming a method
//!   changes its id, as renaming a function changes its API. An actor's ids are listed in
//!   [`Dispatch::METHODS`].
//! - the arguments are the method's parameters in order (not counting `ctx`), each in serde's
//!   CBOR form (ciborium): structs are maps keyed by field name, enums are externally tagged,
//!   `Vec<u8>` is an array of numbers (use `serde_bytes` for a byte string).
//! - the **reply** is the CBOR of the method's return value (`null` for `()`; for a method
//!   returning `Result<T, E>`, the `T`, while an `Err` is a failure: [`CallError::Ask`] with
//!   [`AskError::Failed`]).
//!
//! A frame from outside is checked before anything is decoded ([`Limits`]): at most
//! `max_frame_bytes` long, nested at most `max_depth` deep, well formed, every declared length
//! within the bytes that remain, nothing after the value. So a hostile frame costs at most
//! one pass over its bytes and `max_depth` words to reject, and decoding allocates in
//! proportion to the frame's length, never to a length it claims. Every failure is a
//! [`CallError`] with a stable [`code`](CallError::code); nothing panics.
//!
//! [`Dispatcher`] is the entry point for hosts and transports: given an actor id and a frame it
//! checks the frame, finds the method, decodes the arguments into the method's message, sends
//! it through the core's ordinary typed path and hands back the encoded reply.
//!
//! ```
//! # #[cfg(feature = "macros")] {
//! use backstage_core::wire::{self, Dispatcher, Limits};
//! use backstage_core::{actor, ManualDriver, Runtime};
//! use std::{cell::RefCell, rc::Rc};
//!
//! #[derive(Default)]
//! struct Counter {
//!     total: u64,
//! }
//! impl backstage_core::Actor for Counter {}
//!
//! #[actor]
//! impl Counter {
//!     pub fn add(&mut self, n: u64) -> u64 {
//!         self.total += n;
//!         self.total
//!     }
//! }
//!
//! let mut driver = ManualDriver::default();
//! let dispatcher = Dispatcher::of::<Counter>();
//! let id = dispatcher.activate(&mut driver, "counter-1").unwrap();
//!
//! // [ "add", [ 5 ] ], as another runtime would send it.
//! let frame = wire::encode_call(CounterAdd(5)).unwrap();
//! assert_eq!(frame, [0x82, 0x63, b'a', b'd', b'd', 0x81, 0x05]);
//!
//! let reply = Rc::new(RefCell::new(None));
//! let slot = reply.clone();
//! dispatcher
//!     .call(&mut driver, id, &frame, &Limits::default(), None, move |r| {
//!         *slot.borrow_mut() = Some(r)
//!     })
//!     .unwrap();
//! driver.run_until_idle();
//! let bytes = reply.borrow_mut().take().unwrap().unwrap();
//! assert_eq!(wire::decode_reply::<CounterAdd>(&bytes, &Limits::default()), Ok(5));
//! # }
//! ```

mod cbor;

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::any::TypeId;
use core::fmt;
use core::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::actor::{Actor, Handler};
use crate::ask::Pending;
use crate::proxy::Activate;
use crate::runtime::{sealed::Sealed, Runtime};
use crate::system::Core;
use crate::{ActorId, Addr, AskError, Message, SendError, SpawnError};

/// Bounds on what a frame from outside may cost. The defaults suit calls between runtimes of
/// one application; a transport facing untrusted peers may lower them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest frame (or encoded reply) accepted, in bytes. Default 1 MiB.
    pub max_frame_bytes: usize,
    /// The deepest nesting of arrays, maps and tags accepted, counting the frame's own two
    /// levels (the frame and its argument array). Default 64.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame_bytes: 1 << 20,
            max_depth: 64,
        }
    }
}

/// Why a call in wire form failed. Each has a stable [`code`](CallError::code), shared with the
/// TypeScript API; the ones about one method name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// The frame (or reply) is longer than [`Limits::max_frame_bytes`].
    FrameTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The frame nests deeper than [`Limits::max_depth`].
    FrameTooDeep {
        /// The limit.
        max: usize,
    },
    /// The bytes are not a well-formed frame: not CBOR, cut short, not `[method, [args]]`, or
    /// followed by more bytes.
    MalformedFrame {
        /// Where the problem was found.
        offset: usize,
        /// What it is.
        reason: &'static str,
    },
    /// The actor has no method with this id.
    UnknownMethod {
        /// The actor type.
        actor: &'static str,
        /// The id in the frame (at most 64 characters of it).
        method: String,
    },
    /// The arguments do not fit the method: another count, or a value of another shape.
    BadArguments {
        /// The method.
        method: Cow<'static, str>,
        /// What did not fit.
        detail: String,
    },
    /// A value could not be encoded (its `Serialize` implementation failed).
    EncodeFailed {
        /// The method.
        method: Cow<'static, str>,
        /// The serializer's message.
        detail: String,
    },
    /// A reply does not decode as the method's reply type.
    ReplyDecodeFailed {
        /// The method.
        method: Cow<'static, str>,
        /// What did not fit.
        detail: String,
    },
    /// The target actor is not of the dispatcher's type.
    WrongActor {
        /// The target.
        id: ActorId,
        /// The type the dispatcher serves.
        expected: &'static str,
        /// The actor's type.
        found: &'static str,
    },
    /// The call was made, or was going to be, and did not produce a reply: the target is gone,
    /// its mailbox is full, the handler failed, the deadline passed...
    Ask {
        /// The method.
        method: Cow<'static, str>,
        /// Why.
        error: AskError,
    },
    /// Activation by id failed (the name belongs to an actor of another type).
    Spawn(SpawnError),
    /// The dispatcher was made with [`Dispatcher::without_activation`].
    NotActivatable {
        /// The actor type.
        actor: &'static str,
    },
}

impl CallError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            CallError::FrameTooLarge { .. } => "FRAME_TOO_LARGE",
            CallError::FrameTooDeep { .. } => "FRAME_TOO_DEEP",
            CallError::MalformedFrame { .. } => "MALFORMED_FRAME",
            CallError::UnknownMethod { .. } => "UNKNOWN_METHOD",
            CallError::BadArguments { .. } => "BAD_ARGUMENTS",
            CallError::EncodeFailed { .. } => "ENCODE_FAILED",
            CallError::ReplyDecodeFailed { .. } => "REPLY_DECODE_FAILED",
            CallError::WrongActor { .. } => "TYPE_MISMATCH",
            CallError::Ask { error, .. } => error.code(),
            CallError::Spawn(e) => e.code(),
            CallError::NotActivatable { .. } => "NOT_ACTIVATABLE",
        }
    }

    /// The method the error is about, if it is about one.
    pub fn method(&self) -> Option<&str> {
        match self {
            CallError::UnknownMethod { method, .. } => Some(method),
            CallError::BadArguments { method, .. }
            | CallError::EncodeFailed { method, .. }
            | CallError::ReplyDecodeFailed { method, .. }
            | CallError::Ask { method, .. } => Some(method),
            _ => None,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::FrameTooLarge { len, max } => {
                write!(f, "frame of {len} bytes exceeds the limit of {max}")
            }
            CallError::FrameTooDeep { max } => write!(f, "frame nested deeper than {max}"),
            CallError::MalformedFrame { offset, reason } => {
                write!(f, "malformed frame at byte {offset}: {reason}")
            }
            CallError::UnknownMethod { actor, method } => {
                write!(f, "{actor} has no method {method:?}")
            }
            CallError::BadArguments { method, detail } => {
                write!(f, "bad arguments for {method}: {detail}")
            }
            CallError::EncodeFailed { method, detail } => {
                write!(f, "cannot encode a value of {method}: {detail}")
            }
            CallError::ReplyDecodeFailed { method, detail } => {
                write!(f, "the reply of {method} does not decode: {detail}")
            }
            CallError::WrongActor {
                id,
                expected,
                found,
            } => write!(f, "actor {id} is a {found}, not a {expected}"),
            CallError::Ask { method, error } => write!(f, "{method}: {error}"),
            CallError::Spawn(e) => write!(f, "activation failed: {e}"),
            CallError::NotActivatable { actor } => {
                write!(f, "{actor} cannot be activated by id from here")
            }
        }
    }
}

impl core::error::Error for CallError {}

/// One method of a [`Dispatch`] actor, for hosts that describe it to another language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MethodInfo {
    /// The method id.
    pub name: &'static str,
    /// The parameters (not counting `ctx`): name and Rust type, as written.
    pub args: &'static [(&'static str, &'static str)],
    /// The reply's Rust type, as written (`()` for none; `T` for `Result<T, E>`).
    pub reply: &'static str,
}

/// The argument list of a method: `()` or a tuple of up to 12 serde types, encoded as a CBOR
/// array.
pub trait ArgList: Sized + 'static {
    /// How many arguments.
    const ARITY: usize;
    /// Appends the argument array to `out`.
    #[doc(hidden)]
    fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), String>;
    /// Decodes a (checked) argument array of [`ARITY`](ArgList::ARITY) items.
    #[doc(hidden)]
    fn decode_from(args: &[u8], max_depth: usize) -> Result<Self, String>;
}

impl ArgList for () {
    const ARITY: usize = 0;
    fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), String> {
        out.push(0x80);
        Ok(())
    }
    fn decode_from(_: &[u8], _: usize) -> Result<Self, String> {
        Ok(())
    }
}

macro_rules! arg_lists {
    ($(($n:expr; $($t:ident),+))*) => {$(
        impl<$($t: Serialize + DeserializeOwned + 'static),+> ArgList for ($($t,)+) {
            const ARITY: usize = $n;
            fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), String> {
                encode_into(self, out)
            }
            fn decode_from(args: &[u8], max_depth: usize) -> Result<Self, String> {
                decode_value(args, max_depth)
            }
        }
    )*};
}

arg_lists! {
    (1; A0)
    (2; A0, A1)
    (3; A0, A1, A2)
    (4; A0, A1, A2, A3)
    (5; A0, A1, A2, A3, A4)
    (6; A0, A1, A2, A3, A4, A5)
    (7; A0, A1, A2, A3, A4, A5, A6)
    (8; A0, A1, A2, A3, A4, A5, A6, A7)
    (9; A0, A1, A2, A3, A4, A5, A6, A7, A8)
    (10; A0, A1, A2, A3, A4, A5, A6, A7, A8, A9)
    (11; A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10)
    (12; A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11)
}

fn encode_into<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) -> Result<(), String> {
    ciborium::ser::into_writer(value, out).map_err(|e| match e {
        ciborium::ser::Error::Value(message) => message,
        ciborium::ser::Error::Io(_) => "the writer failed".to_string(),
    })
}

/// Decodes checked bytes (see `cbor::check_value`).
fn decode_value<T: DeserializeOwned>(bytes: &[u8], max_depth: usize) -> Result<T, String> {
    ciborium::de::from_reader_with_recursion_limit(bytes, max_depth).map_err(|e| match e {
        ciborium::de::Error::Io(_) => "unexpected end of data".to_string(),
        ciborium::de::Error::Syntax(offset) => alloc::format!("invalid CBOR at byte {offset}"),
        ciborium::de::Error::Semantic(_, message) => message,
        ciborium::de::Error::RecursionLimitExceeded => "nested too deeply".to_string(),
    })
}

/// A method's message in wire form: implemented by `#[actor]` for the message of every method.
pub trait WireMessage: Message {
    /// The method id.
    const METHOD: &'static str;
    /// The parameters, in order.
    type Args: ArgList;
    /// The message for these arguments.
    fn from_args(args: Self::Args) -> Self;
    /// The message's arguments.
    fn into_args(self) -> Self::Args;
}

/// An actor whose methods can be called in wire form: implemented by `#[actor]`.
pub trait Dispatch: Actor {
    /// The actor's type name (as written in its `impl`).
    const NAME: &'static str;
    /// Its methods, in declaration order.
    const METHODS: &'static [MethodInfo];
    /// Finds the method of `call` and [delivers](Call::deliver) its message, or returns
    /// [`Call::unknown_method`].
    fn dispatch(call: Call<'_, Self>) -> Result<(), CallError>;
}

/// Receives the encoded reply of a call, or why there is none.
pub type ReplyFn = Box<dyn FnOnce(Result<Vec<u8>, CallError>)>;

/// One checked frame on its way to an actor of type `A` (see [`Dispatch::dispatch`]).
pub struct Call<'a, A> {
    core: &'a mut Core,
    sender: Option<ActorId>,
    to: Addr<A>,
    frame: cbor::Frame<'a>,
    limits: &'a Limits,
    timeout: Option<Duration>,
    reply: ReplyFn,
}

impl<A: Dispatch> Call<'_, A> {
    /// The method id in the frame.
    pub fn method(&self) -> &str {
        self.frame.method
    }

    /// Decodes the arguments as `M`'s and sends the message; the reply is encoded and handed
    /// to the caller's [`ReplyFn`].
    pub fn deliver<M>(self) -> Result<(), CallError>
    where
        A: Handler<M>,
        M: WireMessage,
        M::Reply: Serialize,
    {
        if self.frame.arity != M::Args::ARITY {
            return Err(CallError::BadArguments {
                method: Cow::Borrowed(M::METHOD),
                detail: alloc::format!(
                    "expected {} argument(s), got {}",
                    M::Args::ARITY,
                    self.frame.arity
                ),
            });
        }
        let args =
            M::Args::decode_from(self.frame.args, self.limits.max_depth).map_err(|detail| {
                CallError::BadArguments {
                    method: Cow::Borrowed(M::METHOD),
                    detail,
                }
            })?;
        let reply = self.reply;
        let callback = Box::new(move |result: Result<M::Reply, AskError>| {
            reply(match result {
                Ok(value) => encode_reply(M::METHOD, &value),
                Err(error) => Err(CallError::Ask {
                    method: Cow::Borrowed(M::METHOD),
                    error,
                }),
            })
        });
        let pending = Pending::for_callback(self.core.shared.clone(), callback);
        self.core.send_request(
            self.sender,
            &self.to,
            M::from_args(args),
            self.timeout,
            pending,
        );
        Ok(())
    }

    /// The error for a method id `A` does not have.
    pub fn unknown_method(self) -> CallError {
        CallError::UnknownMethod {
            actor: A::NAME,
            method: self.frame.method.chars().take(64).collect(),
        }
    }
}

impl<A> fmt::Debug for Call<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("to", &self.to)
            .field("method", &self.frame.method)
            .field("arity", &self.frame.arity)
            .finish_non_exhaustive()
    }
}

type CallFn = fn(
    &mut Core,
    Option<ActorId>,
    ActorId,
    &[u8],
    &Limits,
    Option<Duration>,
    ReplyFn,
) -> Result<(), CallError>;

type ActivateFn = fn(&mut Core, &str) -> Result<ActorId, SpawnError>;

/// Calls in wire form for one actor type, with the type erased: what a host (the wasm
/// driver, a transport) keeps per actor type it exposes, and calls with an actor id and a
/// frame. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Dispatcher {
    name: &'static str,
    methods: &'static [MethodInfo],
    type_id: fn() -> TypeId,
    call: CallFn,
    activate: Option<ActivateFn>,
}

impl Dispatcher {
    /// The dispatcher of `A`, which can also [activate](Dispatcher::activate) actors by id.
    pub fn of<A: Dispatch + Activate>() -> Self {
        Dispatcher {
            activate: Some(activate::<A>),
            ..Dispatcher::without_activation::<A>()
        }
    }

    /// The dispatcher of `A` for actors spawned by other means (`A` need not be [`Activate`]).
    pub fn without_activation<A: Dispatch>() -> Self {
        Dispatcher {
            name: A::NAME,
            methods: A::METHODS,
            type_id: TypeId::of::<A>,
            call: call::<A>,
            activate: None,
        }
    }

    /// The actor type's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The actor type's methods.
    pub fn methods(&self) -> &'static [MethodInfo] {
        self.methods
    }

    /// One method, by id.
    pub fn method(&self, id: &str) -> Option<&'static MethodInfo> {
        self.methods.iter().find(|m| m.name == id)
    }

    /// True if `id` is a live actor of this type.
    pub fn accepts(&self, rt: &impl Runtime, id: ActorId) -> bool {
        Sealed::core(rt)
            .registry
            .get(id)
            .is_ok_and(|cell| (cell.kind.type_id)() == (self.type_id)())
    }

    /// The actor called `id`, activated on first use (as
    /// [`Runtime::actor`]).
    pub fn activate(&self, rt: &mut impl Runtime, id: &str) -> Result<ActorId, CallError> {
        let activate = self
            .activate
            .ok_or(CallError::NotActivatable { actor: self.name })?;
        activate(rt.parts().0, id).map_err(CallError::Spawn)
    }

    /// Calls the actor `to` with `frame`. The frame is checked against `limits`, the method
    /// found and its arguments decoded now: any problem there, or a target that is gone or of
    /// another type, is returned at once (and `reply` is dropped uncalled). Otherwise the
    /// message is sent (from the actor whose `Context` `rt` is, if it is one) and `reply` is
    /// called exactly once, on this thread, with the encoded reply or a [`CallError::Ask`]
    /// (possibly before this returns: a full mailbox answers at once). `timeout` bounds the
    /// wait on the driver's clock.
    pub fn call(
        &self,
        rt: &mut impl Runtime,
        to: ActorId,
        frame: &[u8],
        limits: &Limits,
        timeout: Option<Duration>,
        reply: impl FnOnce(Result<Vec<u8>, CallError>) + 'static,
    ) -> Result<(), CallError> {
        let (core, sender) = rt.parts();
        (self.call)(core, sender, to, frame, limits, timeout, Box::new(reply))
    }
}

impl fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dispatcher")
            .field("name", &self.name)
            .field("methods", &self.methods.len())
            .field("activates", &self.activate.is_some())
            .finish()
    }
}

fn call<A: Dispatch>(
    core: &mut Core,
    sender: Option<ActorId>,
    to: ActorId,
    frame: &[u8],
    limits: &Limits,
    timeout: Option<Duration>,
    reply: ReplyFn,
) -> Result<(), CallError> {
    let frame = cbor::parse_frame(frame, limits)?;
    let target = core
        .registry
        .get(to)
        .map_err(|e: SendError| CallError::Ask {
            method: Cow::Owned(frame.method.chars().take(64).collect()),
            error: AskError::Send(e),
        })?;
    if (target.kind.type_id)() != TypeId::of::<A>() {
        return Err(CallError::WrongActor {
            id: to,
            expected: A::NAME,
            found: (target.kind.name)(),
        });
    }
    A::dispatch(Call {
        core,
        sender,
        to: Addr::new(to),
        frame,
        limits,
        timeout,
        reply,
    })
}

fn activate<A: Activate>(core: &mut Core, id: &str) -> Result<ActorId, SpawnError> {
    core.activate::<A>(id).map(|addr| addr.id())
}

/// Encodes a message as a call frame (what a runtime sends to call `M`'s method elsewhere).
pub fn encode_call<M: WireMessage>(msg: M) -> Result<Vec<u8>, CallError> {
    let mut out = Vec::with_capacity(16 + M::METHOD.len());
    out.push(0x82);
    cbor::write_header(&mut out, 3, M::METHOD.len() as u64);
    out.extend_from_slice(M::METHOD.as_bytes());
    msg.into_args()
        .encode_into(&mut out)
        .map_err(|detail| CallError::EncodeFailed {
            method: Cow::Borrowed(M::METHOD),
            detail,
        })?;
    Ok(out)
}

/// Decodes a call frame as `M` (checked against `limits`; the method id must be `M`'s).
pub fn decode_call<M: WireMessage>(frame: &[u8], limits: &Limits) -> Result<M, CallError> {
    let frame = cbor::parse_frame(frame, limits)?;
    if frame.method != M::METHOD {
        return Err(CallError::UnknownMethod {
            actor: crate::short_type_name::<M>(),
            method: frame.method.chars().take(64).collect(),
        });
    }
    if frame.arity != M::Args::ARITY {
        return Err(CallError::BadArguments {
            method: Cow::Borrowed(M::METHOD),
            detail: alloc::format!(
                "expected {} argument(s), got {}",
                M::Args::ARITY,
                frame.arity
            ),
        });
    }
    M::Args::decode_from(frame.args, limits.max_depth)
        .map(M::from_args)
        .map_err(|detail| CallError::BadArguments {
            method: Cow::Borrowed(M::METHOD),
            detail,
        })
}

/// Encodes the reply of `method`.
pub fn encode_reply<T: Serialize + ?Sized>(
    method: &'static str,
    value: &T,
) -> Result<Vec<u8>, CallError> {
    let mut out = Vec::new();
    encode_into(value, &mut out).map_err(|detail| CallError::EncodeFailed {
        method: Cow::Borrowed(method),
        detail,
    })?;
    Ok(out)
}

/// Decodes the encoded reply of `M`'s method (checked against `limits` first).
pub fn decode_reply<M>(bytes: &[u8], limits: &Limits) -> Result<M::Reply, CallError>
where
    M: WireMessage,
    M::Reply: DeserializeOwned,
{
    let failed = |detail| CallError::ReplyDecodeFailed {
        method: Cow::Borrowed(M::METHOD),
        detail,
    };
    cbor::check_value(bytes, limits).map_err(|e| match e {
        CallError::MalformedFrame { offset, reason } => {
            failed(alloc::format!("malformed at byte {offset}: {reason}"))
        }
        other => other,
    })?;
    decode_value(bytes, limits.max_depth).map_err(failed)
}

/// Checks that `bytes` are one well-formed CBOR value within `limits` (what every decoder
/// here does first). For transports that carry frames without decoding them.
pub fn check(bytes: &[u8], limits: &Limits) -> Result<(), CallError> {
    cbor::check_value(bytes, limits)
}

#[cfg(test)]
mod tests;
