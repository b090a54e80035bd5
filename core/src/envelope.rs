//! Envelopes: what travels through a mailbox.
//!
//! Typed messages travel as [`Letter`]s whose body knows its handler, so a local tell needs no
//! encoding. Untyped and foreign payloads travel as [`Envelope`]s (sender, kind, payload) and
//! reach [`Actor::receive`](crate::Actor::receive), as in the seeds' `receive(envelope)`.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::any::{type_name, Any};
use core::fmt;
use core::marker::PhantomData;

use crate::actor::{Actor, AnyActor, Handler};
use crate::ask::ReplyTo;
use crate::context::Context;
use crate::system::Core;
use crate::topics::Topic;
use crate::{ActorError, ActorId, AskError, Message, StopReason};

/// How an envelope was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvelopeKind {
    /// Sent point-to-point to this actor.
    Send,
    /// Published on a topic this actor subscribes to.
    Publish(Topic),
}

/// The body of an envelope.
pub enum Payload {
    /// Encoded bytes (CBOR when it crosses a runtime boundary).
    Bytes(Vec<u8>),
    /// A local value owned by this envelope.
    Value(Box<dyn Any>),
    /// A local value shared by every subscriber of a publication.
    Shared(Rc<dyn Any>),
}

impl Payload {
    /// The payload as a `T`, if it is a local value of that type.
    pub fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        match self {
            Payload::Bytes(_) => None,
            Payload::Value(v) => v.downcast_ref(),
            Payload::Shared(v) => v.downcast_ref(),
        }
    }

    /// The payload as bytes, if it is encoded.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Payload::Bytes(b) => Some(b),
            // Published bytes are shared between subscribers instead of copied.
            Payload::Shared(v) => v.downcast_ref::<Vec<u8>>().map(Vec::as_slice),
            Payload::Value(_) => None,
        }
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Payload::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Payload::Value(_) => f.write_str("Value(..)"),
            Payload::Shared(_) => f.write_str("Shared(..)"),
        }
    }
}

/// An untyped message: who sent it, how, and what it carries.
#[derive(Debug)]
pub struct Envelope {
    /// The sending actor, if an actor sent it.
    pub sender: Option<ActorId>,
    /// Point-to-point or published.
    pub kind: EnvelopeKind,
    /// The content.
    pub payload: Payload,
}

impl Envelope {
    /// A point-to-point envelope with no sender (the runtime fills the sender in when an actor
    /// sends it).
    pub fn new(payload: Payload) -> Self {
        Envelope {
            sender: None,
            kind: EnvelopeKind::Send,
            payload,
        }
    }

    /// A point-to-point envelope carrying bytes.
    pub fn bytes(bytes: impl Into<Vec<u8>>) -> Self {
        Envelope::new(Payload::Bytes(bytes.into()))
    }

    /// A point-to-point envelope carrying a local value.
    pub fn value<T: 'static>(value: T) -> Self {
        Envelope::new(Payload::Value(Box::new(value)))
    }
}

/// What happened when a letter reached its actor.
pub(crate) enum Outcome {
    Delivered,
    /// The actor declined it; it is already recorded as a dead letter.
    DeadLettered,
    Failed(ActorError),
    /// A poison pill: stop after this message.
    Stop,
}

/// One queued message. `sender` is outside the body so dead letters can name it.
pub(crate) struct Letter {
    pub(crate) sender: Option<ActorId>,
    pub(crate) body: Box<dyn Body>,
}

impl Letter {
    pub(crate) fn new(sender: Option<ActorId>, body: Box<dyn Body>) -> Self {
        Letter { sender, body }
    }
}

/// A type-erased message that knows how to reach its handler.
pub(crate) trait Body: 'static {
    fn deliver(
        self: Box<Self>,
        actor: &mut dyn AnyActor,
        core: &mut Core,
        me: ActorId,
        sender: Option<ActorId>,
    ) -> Outcome;

    /// The message's type, for dead letters and inspection.
    fn type_name(&self) -> &'static str;

    /// Gives up on the letter: answers a waiting asker with `err` and returns the message.
    fn discard(self: Box<Self>, err: AskError) -> Box<dyn Any>;
}

fn wrong_actor<A>() -> Outcome {
    Outcome::Failed(ActorError::new(alloc::format!(
        "message routed to an actor that is not a {}",
        type_name::<A>()
    )))
}

/// A typed message for actor type `A`, with the reply channel of an ask.
pub(crate) struct Typed<A, M: Message> {
    pub(crate) msg: M,
    pub(crate) reply: Option<ReplyTo<M::Reply>>,
    pub(crate) _actor: PhantomData<fn(A)>,
}

impl<A: Handler<M>, M: Message> Typed<A, M> {
    pub(crate) fn boxed(msg: M, reply: Option<ReplyTo<M::Reply>>) -> Box<dyn Body> {
        Box::new(Typed::<A, M> {
            msg,
            reply,
            _actor: PhantomData,
        })
    }
}

impl<A: Handler<M>, M: Message> Body for Typed<A, M> {
    #[inline]
    fn deliver(
        self: Box<Self>,
        actor: &mut dyn AnyActor,
        core: &mut Core,
        me: ActorId,
        sender: Option<ActorId>,
    ) -> Outcome {
        let Typed { msg, reply, .. } = *self;
        deliver_typed::<A, M>(msg, reply, actor, core, me, sender)
    }

    fn type_name(&self) -> &'static str {
        type_name::<M>()
    }

    fn discard(self: Box<Self>, err: AskError) -> Box<dyn Any> {
        let Typed { msg, reply, .. } = *self;
        if let Some(reply) = reply {
            reply.fail(err);
        }
        Box::new(msg)
    }
}

/// Hands a typed message (and its reply channel) to `A`'s handler: what [`Typed`] and the
/// letters of handles (`proxy::Routed`) do on delivery.
#[inline]
pub(crate) fn deliver_typed<A: Handler<M>, M: Message>(
    msg: M,
    reply: Option<ReplyTo<M::Reply>>,
    actor: &mut dyn AnyActor,
    core: &mut Core,
    me: ActorId,
    sender: Option<ActorId>,
) -> Outcome {
    let Some(actor) = (actor as &mut dyn Any).downcast_mut::<A>() else {
        if let Some(reply) = reply {
            reply.fail(AskError::NoReply);
        }
        return wrong_actor::<A>();
    };
    // The reply channel stays in this frame; the handler may take it (`defer_reply`). If
    // the handler panics, unwinding drops it here and it answers with the panic.
    let mut reply = reply;
    let mut ctx = Context::<A>::new(core, me, sender).with_reply(&mut reply);
    let result = actor.handle(msg, &mut ctx);
    let dead = ctx.was_unhandled();
    match result {
        Ok(value) => {
            if let Some(reply) = reply {
                reply.send(value);
            }
            if dead {
                Outcome::DeadLettered
            } else {
                Outcome::Delivered
            }
        }
        Err(err) => {
            if let Some(reply) = reply {
                reply.fail(AskError::Failed(err.clone()));
            }
            Outcome::Failed(err)
        }
    }
}

/// An envelope addressed by id only: reaches `Actor::receive` whatever the actor's type.
pub(crate) struct Untyped(pub(crate) Envelope);

impl Body for Untyped {
    fn deliver(
        self: Box<Self>,
        actor: &mut dyn AnyActor,
        core: &mut Core,
        me: ActorId,
        _: Option<ActorId>,
    ) -> Outcome {
        actor.receive(self.0, core, me)
    }

    fn type_name(&self) -> &'static str {
        type_name::<Envelope>()
    }

    fn discard(self: Box<Self>, _err: AskError) -> Box<dyn Any> {
        Box::new(self.0)
    }
}

/// The poison pill: processed in order, then the actor stops.
pub(crate) struct PoisonPill;

/// The message type name of a poison pill, as dead letters report it.
pub(crate) const POISON_PILL: &str = "backstage_core::PoisonPill";

impl Body for PoisonPill {
    fn deliver(
        self: Box<Self>,
        _: &mut dyn AnyActor,
        _: &mut Core,
        _: ActorId,
        _: Option<ActorId>,
    ) -> Outcome {
        Outcome::Stop
    }

    fn type_name(&self) -> &'static str {
        POISON_PILL
    }

    fn discard(self: Box<Self>, _err: AskError) -> Box<dyn Any> {
        self
    }
}

/// Tells a watcher that an actor terminated.
pub(crate) struct Terminated {
    pub(crate) id: ActorId,
    pub(crate) reason: StopReason,
}

impl Body for Terminated {
    fn deliver(
        self: Box<Self>,
        actor: &mut dyn AnyActor,
        core: &mut Core,
        me: ActorId,
        _: Option<ActorId>,
    ) -> Outcome {
        match actor.terminated(self.id, &self.reason, core, me) {
            Ok(()) => Outcome::Delivered,
            Err(e) => Outcome::Failed(e),
        }
    }

    fn type_name(&self) -> &'static str {
        "backstage_core::Terminated"
    }

    fn discard(self: Box<Self>, _err: AskError) -> Box<dyn Any> {
        Box::new((self.id, self.reason))
    }
}

/// The reply to an ask an actor made, carried back into the asker's mailbox with the
/// continuation that handles it.
pub(crate) struct Resume<A, R, F> {
    pub(crate) then: F,
    pub(crate) result: Result<R, AskError>,
    pub(crate) _actor: PhantomData<fn(A)>,
}

impl<A, R, F> Body for Resume<A, R, F>
where
    A: Actor,
    R: 'static,
    F: FnOnce(&mut A, Result<R, AskError>, &mut Context<'_, A>) -> Result<(), ActorError> + 'static,
{
    fn deliver(
        self: Box<Self>,
        actor: &mut dyn AnyActor,
        core: &mut Core,
        me: ActorId,
        _: Option<ActorId>,
    ) -> Outcome {
        let Some(actor) = (actor as &mut dyn Any).downcast_mut::<A>() else {
            return wrong_actor::<A>();
        };
        let Resume { then, result, .. } = *self;
        match then(actor, result, &mut Context::new(core, me, None)) {
            Ok(()) => Outcome::Delivered,
            Err(e) => Outcome::Failed(e),
        }
    }

    fn type_name(&self) -> &'static str {
        type_name::<R>()
    }

    fn discard(self: Box<Self>, _err: AskError) -> Box<dyn Any> {
        match self.result {
            Ok(value) => Box::new(value),
            Err(e) => Box::new(e),
        }
    }
}
