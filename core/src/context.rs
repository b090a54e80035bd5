//! The [`Context`] an actor's handlers and hooks get: its identity, its children, asks with
//! continuations, watching, and everything in [`Runtime`](crate::Runtime).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::any::{type_name, Any};
use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use crate::actor::{Actor, Handler};
use crate::ask::{Pending, ReplyTo, Responder};
use crate::envelope::{Envelope, Letter, Resume};
use crate::metrics::{DeadLetter, DeadLetterReason, SystemMetrics};
use crate::system::Core;
use crate::topics::Topic;
use crate::{ActorError, ActorId, Addr, AskError, Message, SpawnError, SpawnOptions};

/// What a handler of actor `A` can do besides changing its own state.
///
/// It lives for one handler call. Everything in [`Runtime`](crate::Runtime) is available on it
/// too, with this actor as the sender.
pub struct Context<'a, A> {
    pub(crate) core: &'a mut Core,
    me: ActorId,
    sender: Option<ActorId>,
    /// The reply channel of the message being handled; it lives in the deliverer's frame.
    reply: Option<&'a mut dyn Any>,
    unhandled: bool,
    _actor: PhantomData<fn(A)>,
}

impl<'a, A: Actor> Context<'a, A> {
    pub(crate) fn new(core: &'a mut Core, me: ActorId, sender: Option<ActorId>) -> Self {
        Context {
            core,
            me,
            sender,
            reply: None,
            unhandled: false,
            _actor: PhantomData,
        }
    }

    /// Lends the handler the reply channel (an `Option<ReplyTo<R>>` owned by the caller).
    pub(crate) fn with_reply(mut self, reply: &'a mut dyn Any) -> Self {
        self.reply = Some(reply);
        self
    }

    pub(crate) fn was_unhandled(&self) -> bool {
        self.unhandled
    }

    /// This actor's typed address.
    pub fn me(&self) -> Addr<A> {
        Addr::new(self.me)
    }

    /// This actor's id.
    pub fn id(&self) -> ActorId {
        self.me
    }

    /// The actor that sent the current message, if an actor sent it.
    pub fn sender(&self) -> Option<ActorId> {
        self.sender
    }

    /// This actor's parent (`None` for a top-level actor).
    pub fn parent(&self) -> Option<ActorId> {
        self.core.registry.get(self.me).ok().and_then(|c| c.parent)
    }

    /// The system-wide counters as they stand mid-run (what
    /// [`System::metrics`](crate::System::metrics) returns outside handlers).
    pub fn metrics(&self) -> &SystemMetrics {
        &self.core.metrics
    }

    /// The retained dead letters, oldest first (as
    /// [`System::dead_letters`](crate::System::dead_letters)).
    pub fn dead_letters(&self) -> impl Iterator<Item = &DeadLetter> {
        self.core.events.dead_letters.iter()
    }

    /// This actor's live children, in spawn order.
    pub fn children(&self) -> Vec<ActorId> {
        self.core
            .registry
            .get(self.me)
            .map(|c| c.children().to_vec())
            .unwrap_or_default()
    }

    /// Spawns a child supervised by this actor (seed 001's `spawnChildActor`).
    pub fn spawn_child<B: Actor>(&mut self, factory: impl FnMut() -> B + 'static) -> Addr<B> {
        self.core
            .spawn(Some(self.me), SpawnOptions::new(), factory)
            .expect("an unnamed child of a running actor always spawns")
    }

    /// Spawns a child with options; fails if the name is taken.
    pub fn spawn_child_with<B: Actor>(
        &mut self,
        options: SpawnOptions,
        factory: impl FnMut() -> B + 'static,
    ) -> Result<Addr<B>, SpawnError> {
        self.core.spawn(Some(self.me), options, factory)
    }

    /// Watches `target`: when it terminates, this actor's [`Actor::terminated`] runs. Watching
    /// an actor that is already gone reports its termination at once.
    pub fn watch(&mut self, target: ActorId) {
        self.core.watch(self.me, target);
    }

    /// Stops watching `target`.
    pub fn unwatch(&mut self, target: ActorId) {
        self.core.unwatch(self.me, target);
    }

    /// Asks `to` and handles the reply later, as a message to this actor: the handler returns
    /// at once and the loop keeps running.
    ///
    /// `then` gets this actor, the reply (or why there is none) and a fresh context.
    pub fn ask<B, M, F>(&mut self, to: &Addr<B>, msg: M, then: F)
    where
        B: Handler<M>,
        M: Message,
        F: FnOnce(
                &mut A,
                Result<M::Reply, AskError>,
                &mut Context<'_, A>,
            ) -> Result<(), ActorError>
            + 'static,
    {
        self.ask_inner(to, msg, None, then)
    }

    /// [`ask`](Context::ask) with a deadline: without a reply by then, `then` gets
    /// [`AskError::Timeout`].
    pub fn ask_within<B, M, F>(&mut self, to: &Addr<B>, msg: M, timeout: Duration, then: F)
    where
        B: Handler<M>,
        M: Message,
        F: FnOnce(
                &mut A,
                Result<M::Reply, AskError>,
                &mut Context<'_, A>,
            ) -> Result<(), ActorError>
            + 'static,
    {
        self.ask_inner(to, msg, Some(timeout), then)
    }

    fn ask_inner<B, M, F>(&mut self, to: &Addr<B>, msg: M, timeout: Option<Duration>, then: F)
    where
        B: Handler<M>,
        M: Message,
        F: FnOnce(
                &mut A,
                Result<M::Reply, AskError>,
                &mut Context<'_, A>,
            ) -> Result<(), ActorError>
            + 'static,
    {
        let resume = Box::new(move |result| {
            let body = Resume::<A, M::Reply, F> {
                then,
                result,
                _actor: PhantomData,
            };
            Letter::new(None, Box::new(body))
        });
        let pending = Pending::for_actor(self.core.shared.clone(), self.me, resume);
        self.core
            .send_request(Some(self.me), to, msg, timeout, pending);
    }

    /// Runs `then` later, as a message to this actor (after those already queued): how code
    /// that must answer through a continuation (as [`ask`](Context::ask)'s do) delivers an
    /// outcome it knows at once, so every outcome arrives the same way.
    pub fn later<F>(&mut self, then: F)
    where
        F: FnOnce(&mut A, &mut Context<'_, A>) -> Result<(), ActorError> + 'static,
    {
        let body = Resume::<A, (), _> {
            then: move |actor: &mut A, _: Result<(), AskError>, ctx: &mut Context<'_, A>| {
                then(actor, ctx)
            },
            result: Ok(()),
            _actor: PhantomData,
        };
        let _ = self.core.enqueue(
            self.me,
            Letter::new(Some(self.me), Box::new(body)),
            crate::mailbox::Route::Force,
        );
    }

    /// Takes the reply channel of the message being handled, to answer after this handler
    /// returns (for example once an [`ask`](Context::ask) of its own comes back). The value the
    /// handler then returns is discarded. `None` if the message was not an ask, or `R` is not
    /// its reply type.
    pub fn defer_reply<R: 'static>(&mut self) -> Option<Responder<R>> {
        let slot = self.reply.as_mut()?.downcast_mut::<Option<ReplyTo<R>>>()?;
        slot.take().map(Responder)
    }

    /// Takes no further messages until [`Runtime::resume`](crate::Runtime::resume)`(id)`:
    /// for handlers that finish asynchronously (a driver awaiting a JavaScript promise), so
    /// the actor handles its next message only once this one is really done. Stop requests
    /// still overtake; a restart clears the pause.
    pub fn pause(&mut self) {
        if let Ok(cell) = self.core.registry.get_mut(self.me) {
            cell.flags |= crate::registry::PAUSED;
        }
    }

    /// Declines an envelope: it becomes a dead letter with reason
    /// [`Unhandled`](DeadLetterReason::Unhandled).
    pub fn unhandled(&mut self, envelope: Envelope) {
        self.unhandled = true;
        let sender = envelope.sender;
        self.core.record_dead_letter(DeadLetter {
            to: Some(self.me),
            from: sender,
            reason: DeadLetterReason::Unhandled,
            message_type: type_name::<Envelope>(),
            message: Some(Box::new(envelope)),
        });
    }

    /// This actor's topic `name` (publish to it; others subscribe to it).
    pub fn topic(&self, name: &str) -> Topic {
        Topic::new(self.me, name)
    }

    /// This actor's default topic.
    pub fn default_topic(&self) -> Topic {
        Topic::default_of(self.me)
    }
}

impl<A> fmt::Debug for Context<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("actor", &type_name::<A>())
            .field("me", &self.me)
            .field("sender", &self.sender)
            .finish()
    }
}
