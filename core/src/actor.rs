//! What an actor is: state plus lifecycle hooks ([`Actor`]) plus one [`Handler`] per message type.

use alloc::boxed::Box;
use core::any::Any;

use crate::context::Context;
use crate::envelope::{Envelope, Outcome};
use crate::system::Core;
use crate::{ActorError, ActorId, StopReason};

/// A message type, and the type of the reply an [`ask`](crate::System::ask) gets back.
///
/// ```
/// use backstage_core::Message;
/// struct Add(u32);
/// impl Message for Add {
///     type Reply = u32;
/// }
/// ```
pub trait Message: 'static {
    /// What the handler returns; `()` for fire-and-forget messages.
    type Reply: 'static;
}

/// Plain values are fire-and-forget messages, so `stream::<String>("news")` works as in the
/// seeds. Wrap them in a newtype to give them a reply.
macro_rules! plain_messages {
    ($($t:ty),* $(,)?) => {
        $(impl Message for $t {
            type Reply = ();
        })*
    };
}

plain_messages!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    &'static str,
    alloc::string::String,
    alloc::vec::Vec<u8>,
);

/// An actor: private state that the runtime drives through these hooks, one message at a time.
///
/// Every hook has a default, so `impl Actor for T {}` is a complete actor; its messages come
/// from [`Handler`] impls. The hooks run on the actor's turn, never concurrently with its
/// handlers.
pub trait Actor: Sized + 'static {
    /// Runs before the first message. An error is a failure the supervisor handles.
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let _ = ctx;
        Ok(())
    }

    /// Runs once when the actor stops for good (after its children have stopped).
    fn stopped(&mut self, ctx: &mut Context<'_, Self>) {
        let _ = ctx;
    }

    /// Runs on the fresh instance a supervisor created after `cause`; by default it is
    /// [`started`](Actor::started).
    fn restarted(
        &mut self,
        cause: &ActorError,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        let _ = cause;
        self.started(ctx)
    }

    /// Receives raw [`Envelope`]s: untyped sends, and publications from topics subscribed with
    /// [`Runtime::subscribe_envelopes`](crate::Runtime::subscribe_envelopes). By default the
    /// envelope becomes a dead letter with reason [`Unhandled`](crate::DeadLetterReason::Unhandled).
    fn receive(
        &mut self,
        envelope: Envelope,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        ctx.unhandled(envelope);
        Ok(())
    }

    /// Told that an actor this one [watches](Context::watch) has terminated.
    fn terminated(
        &mut self,
        id: ActorId,
        reason: &StopReason,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        let _ = (id, reason, ctx);
        Ok(())
    }
}

/// How an actor handles messages of type `M`. An actor implements it once per message type.
///
/// ```
/// use backstage_core::{Actor, ActorError, Context, Handler, Message};
///
/// struct Counter(u64);
/// impl Actor for Counter {}
///
/// struct Add(u64);
/// impl Message for Add { type Reply = u64; }
///
/// impl Handler<Add> for Counter {
///     fn handle(&mut self, msg: Add, _ctx: &mut Context<'_, Self>) -> Result<u64, ActorError> {
///         self.0 += msg.0;
///         Ok(self.0)
///     }
/// }
/// ```
pub trait Handler<M: Message>: Actor {
    /// Handles one message. An `Err` is a failure: the asker (if any) gets it as
    /// [`AskError::Failed`](crate::AskError::Failed), and the supervisor decides what happens
    /// to the actor.
    fn handle(&mut self, msg: M, ctx: &mut Context<'_, Self>) -> Result<M::Reply, ActorError>;
}

/// The type-erased actor stored in the registry.
pub(crate) trait AnyActor: Any {
    fn started(&mut self, core: &mut Core, me: ActorId) -> Result<(), ActorError>;
    fn stopped(&mut self, core: &mut Core, me: ActorId);
    fn restarted(
        &mut self,
        cause: &ActorError,
        core: &mut Core,
        me: ActorId,
    ) -> Result<(), ActorError>;
    fn receive(&mut self, envelope: Envelope, core: &mut Core, me: ActorId) -> Outcome;
    fn terminated(
        &mut self,
        id: ActorId,
        reason: &StopReason,
        core: &mut Core,
        me: ActorId,
    ) -> Result<(), ActorError>;
}

impl<A: Actor> AnyActor for A {
    fn started(&mut self, core: &mut Core, me: ActorId) -> Result<(), ActorError> {
        Actor::started(self, &mut Context::new(core, me, None))
    }
    fn stopped(&mut self, core: &mut Core, me: ActorId) {
        Actor::stopped(self, &mut Context::new(core, me, None))
    }
    fn restarted(
        &mut self,
        cause: &ActorError,
        core: &mut Core,
        me: ActorId,
    ) -> Result<(), ActorError> {
        Actor::restarted(self, cause, &mut Context::new(core, me, None))
    }
    fn receive(&mut self, envelope: Envelope, core: &mut Core, me: ActorId) -> Outcome {
        let mut ctx = Context::new(core, me, envelope.sender);
        match Actor::receive(self, envelope, &mut ctx) {
            Ok(()) if ctx.was_unhandled() => Outcome::DeadLettered,
            Ok(()) => Outcome::Delivered,
            Err(e) => Outcome::Failed(e),
        }
    }
    fn terminated(
        &mut self,
        id: ActorId,
        reason: &StopReason,
        core: &mut Core,
        me: ActorId,
    ) -> Result<(), ActorError> {
        Actor::terminated(self, id, reason, &mut Context::new(core, me, None))
    }
}

/// Builds fresh instances for (re)starts.
pub(crate) type Factory = Box<dyn FnMut() -> Box<dyn AnyActor>>;

/// Type facts about an actor kept per cell, in one static per actor type.
pub(crate) struct ActorKind {
    pub(crate) type_id: fn() -> core::any::TypeId,
    pub(crate) name: fn() -> &'static str,
}

impl ActorKind {
    pub(crate) fn of<A: 'static>() -> &'static ActorKind {
        const {
            &ActorKind {
                type_id: core::any::TypeId::of::<A>,
                name: core::any::type_name::<A>,
            }
        }
    }

    /// True if this is the kind of `A`.
    #[inline]
    pub(crate) fn is<A: 'static>(&'static self) -> bool {
        // One promoted constant per type, so usually the same address; a copy of the constant
        // (codegen may duplicate it) is still recognised by its type id.
        core::ptr::eq(self, ActorKind::of::<A>())
            || (self.type_id)() == core::any::TypeId::of::<A>()
    }
}
