//! [`Runtime`]: what both the [`System`](crate::System) and an actor's
//! [`Context`](crate::Context) can do. Written once, used from inside and outside actors.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::time::Duration;

use crate::actor::{Actor, Handler};
use crate::envelope::{Envelope, Letter, PoisonPill, Typed, Untyped};
use crate::mailbox::Route;
use crate::proxy::{Activate, ActorRef, ProxyActor, StreamRef};
use crate::system::Core;
use crate::timers::{TimerAction, TimerId};
use crate::topics::{Stream, Topic};
use crate::{ActorId, Addr, Message, Payload, SendError, SpawnError, SpawnOptions, TopicError};

pub(crate) mod sealed {
    use crate::system::Core;
    use crate::ActorId;

    /// Access to the core, and who counts as the sender. Not for implementing outside the crate.
    pub trait Sealed {
        fn core(&self) -> &Core;
        fn parts(&mut self) -> (&mut Core, Option<ActorId>);
        /// Who counts as the sender, without borrowing mutably.
        fn sender(&self) -> Option<ActorId> {
            None
        }
    }

    impl Sealed for crate::System {
        fn core(&self) -> &Core {
            &self.core
        }
        fn parts(&mut self) -> (&mut Core, Option<ActorId>) {
            (&mut self.core, None)
        }
    }

    impl Sealed for crate::ManualDriver {
        fn core(&self) -> &Core {
            &self.system.core
        }
        fn parts(&mut self) -> (&mut Core, Option<ActorId>) {
            (&mut self.system.core, None)
        }
    }

    impl<A: crate::Actor> Sealed for crate::Context<'_, A> {
        fn core(&self) -> &Core {
            self.core
        }
        fn parts(&mut self) -> (&mut Core, Option<ActorId>) {
            let me = self.id();
            (self.core, Some(me))
        }
        fn sender(&self) -> Option<ActorId> {
            Some(self.id())
        }
    }
}

/// Messaging, spawning, topics and timers, from outside actors ([`System`](crate::System)) or
/// inside them ([`Context`](crate::Context), where this actor is the sender).
pub trait Runtime: sealed::Sealed {
    /// Sends `msg` without waiting for a reply.
    ///
    /// Fails at once if the target is gone (the message is also recorded as a dead letter) or
    /// its mailbox is full and rejects. With the drop policies a full mailbox still accepts,
    /// dropping one message as a dead letter.
    fn tell<A: Handler<M>, M: Message>(&mut self, to: &Addr<A>, msg: M) -> Result<(), SendError> {
        let (core, sender) = self.parts();
        core.enqueue(
            to.id(),
            Letter::new(sender, Typed::<A, M>::boxed(msg, None)),
            Route::Tell,
        )
    }

    /// Sends an untyped envelope to any actor; it reaches [`Actor::receive`].
    fn send_envelope(&mut self, to: ActorId, mut envelope: Envelope) -> Result<(), SendError> {
        let (core, sender) = self.parts();
        envelope.sender = envelope.sender.or(sender);
        let letter = Letter::new(envelope.sender, Box::new(Untyped(envelope)));
        core.enqueue(to, letter, Route::Tell)
    }

    /// Asks `to` and hands the result to `callback`: called once, on this thread, when the
    /// reply arrives, the deadline passes or the request is lost. From a `Context` the request
    /// is sent at once with this actor as its sender. Drivers use it to carry replies to other
    /// threads or to JavaScript promises.
    fn ask_callback<A: Handler<M>, M: Message>(
        &mut self,
        to: &Addr<A>,
        msg: M,
        timeout: Option<Duration>,
        callback: impl FnOnce(Result<M::Reply, crate::AskError>) + 'static,
    ) {
        let (core, sender) = self.parts();
        let pending = crate::ask::Pending::for_callback(core.shared.clone(), Box::new(callback));
        core.send_request(sender, to, msg, timeout, pending);
    }

    /// Spawns a top-level actor. `factory` builds the first instance and every instance a
    /// supervisor restarts.
    fn spawn<A: Actor>(&mut self, factory: impl FnMut() -> A + 'static) -> Addr<A> {
        self.parts()
            .0
            .spawn(None, SpawnOptions::new(), factory)
            .expect("an unnamed top-level actor always spawns")
    }

    /// Spawns a top-level actor with a name, mailbox settings or a supervisor for its children.
    fn spawn_with<A: Actor>(
        &mut self,
        options: SpawnOptions,
        factory: impl FnMut() -> A + 'static,
    ) -> Result<Addr<A>, SpawnError> {
        self.parts().0.spawn(None, options, factory)
    }

    /// The actor called `name`, spawning it with `factory` on first use (a virtual actor, like
    /// seed 000's `getActor`). Fails if `name` belongs to an actor of another type.
    fn get_or_spawn<A: Actor>(
        &mut self,
        name: &str,
        factory: impl FnMut() -> A + 'static,
    ) -> Result<Addr<A>, SpawnError> {
        let core = self.parts().0;
        match core.lookup_typed::<A>(name)? {
            Some(addr) => Ok(addr),
            None => core.spawn(None, SpawnOptions::new().name(name), factory),
        }
    }

    /// The id of the live actor called `name`.
    fn lookup(&self, name: &str) -> Option<ActorId> {
        self.core().registry.names.get(name).copied()
    }

    /// The typed address of the live actor called `name`; `Ok(None)` if there is none, an
    /// error if it is not an `A`.
    fn lookup_as<A: Actor>(&self, name: &str) -> Result<Option<Addr<A>>, SpawnError> {
        self.core().lookup_typed::<A>(name)
    }

    /// The typed address of the live actor `id`, if it is an `A` (ids arrive untyped from
    /// envelopes, events and other runtimes).
    fn addr_of<A: Actor>(&self, id: ActorId) -> Option<Addr<A>> {
        let cell = self.core().registry.get(id).ok()?;
        cell.kind.is::<A>().then(|| Addr::new(id))
    }

    /// True if `id` is a live actor.
    fn is_alive(&self, id: ActorId) -> bool {
        self.core().registry.is_alive(id)
    }

    /// Spawns a child of `parent` (supervised by it, stopped before it), as
    /// [`Context::spawn_child_with`](crate::Context::spawn_child_with) does for the running actor: for code acting on an actor's
    /// behalf outside its handler (a driver resuming an asynchronous handler, say). Fails with
    /// [`SpawnError::ParentGone`] if `parent` is not alive.
    fn spawn_child_of<A: Actor>(
        &mut self,
        parent: ActorId,
        options: SpawnOptions,
        factory: impl FnMut() -> A + 'static,
    ) -> Result<Addr<A>, SpawnError> {
        self.parts().0.spawn(Some(parent), options, factory)
    }

    /// The live children of `id`, in spawn order (none if `id` is not alive).
    fn children_of(&self, id: ActorId) -> Vec<ActorId> {
        self.core()
            .registry
            .get(id)
            .map(|cell| cell.children().to_vec())
            .unwrap_or_default()
    }

    /// `watcher` watches `target` (as [`Context::watch`](crate::Context::watch) from `watcher`) or, with `on` false,
    /// stops watching it. Fails if `watcher` is not alive.
    fn watch_as(&mut self, watcher: ActorId, target: ActorId, on: bool) -> Result<(), SendError> {
        let core = self.parts().0;
        core.registry.get(watcher)?;
        if on {
            core.watch(watcher, target);
        } else {
            core.unwatch(watcher, target);
        }
        Ok(())
    }

    /// Stops `id` on its next turn, before any queued message (which become dead letters).
    /// Its children stop first.
    fn stop(&mut self, id: ActorId) -> Result<(), SendError> {
        self.parts().0.request_stop(id)
    }

    /// Lets a [paused](crate::Context::pause) actor take messages again.
    fn resume(&mut self, id: ActorId) -> Result<(), SendError> {
        let core = self.parts().0;
        core.registry.get_mut(id)?.flags &= !crate::registry::PAUSED;
        core.reschedule(id);
        Ok(())
    }

    /// Sends a poison pill: `id` handles what is already queued, then stops.
    fn poison(&mut self, id: ActorId) -> Result<(), SendError> {
        let (core, sender) = self.parts();
        core.enqueue(id, Letter::new(sender, Box::new(PoisonPill)), Route::Tell)
    }

    /// Publishes `msg` on `topic`; returns how many subscribers it was sent to.
    fn publish<M: Message + Clone>(&mut self, topic: &Topic, msg: M) -> usize {
        let (core, sender) = self.parts();
        core.publish(sender, topic, msg)
    }

    /// Publishes an untyped payload on `topic`, to envelope subscribers.
    fn publish_payload(&mut self, topic: &Topic, payload: Payload) -> usize {
        let (core, sender) = self.parts();
        core.publish_payload(sender, topic, payload)
    }

    /// Subscribes `subscriber` to the `M`s published on `topic`.
    fn subscribe<M: Message + Clone, A: Handler<M>>(
        &mut self,
        topic: &Topic,
        subscriber: &Addr<A>,
    ) -> Result<(), TopicError> {
        self.parts().0.subscribe::<A, M>(topic, subscriber.id())
    }

    /// Subscribes `subscriber` to everything published on `topic`, as envelopes.
    fn subscribe_envelopes(
        &mut self,
        topic: &Topic,
        subscriber: ActorId,
    ) -> Result<(), TopicError> {
        self.parts().0.subscribe_envelopes(topic, subscriber)
    }

    /// Removes a subscription; true if there was one.
    fn unsubscribe(&mut self, topic: &Topic, subscriber: ActorId) -> bool {
        self.parts().0.unsubscribe(topic, subscriber)
    }

    /// The stream called `name`, created on first use; fails if it carries another type.
    fn stream<T: Message + Clone>(&mut self, name: &str) -> Result<Stream<T>, TopicError> {
        self.parts().0.stream(name)
    }

    /// Delivers `msg` to `to` after `delay`.
    fn send_after<A: Handler<M>, M: Message>(
        &mut self,
        to: &Addr<A>,
        msg: M,
        delay: Duration,
    ) -> TimerId {
        let (core, sender) = self.parts();
        let letter = Letter::new(sender, Typed::<A, M>::boxed(msg, None));
        let at = core.now + delay;
        core.timers.add(
            at,
            TimerAction::Once {
                to: to.id(),
                letter,
            },
        )
    }

    /// Delivers a copy of `msg` to `to` every `every`, until cancelled or `to` is gone.
    fn send_every<A: Handler<M>, M: Message + Clone>(
        &mut self,
        to: &Addr<A>,
        msg: M,
        every: Duration,
    ) -> TimerId {
        let (core, sender) = self.parts();
        let make = Box::new(move || Letter::new(sender, Typed::<A, M>::boxed(msg.clone(), None)));
        let at = core.now + every;
        core.timers.add(
            at,
            TimerAction::Every {
                to: to.id(),
                every,
                make,
            },
        )
    }

    /// Cancels a timer; false if it already fired (once) or was cancelled.
    fn cancel_timer(&mut self, timer: TimerId) -> bool {
        self.parts().0.timers.cancel(timer)
    }

    /// The current time, as the driver last told it.
    fn now(&self) -> crate::Instant {
        self.core().now
    }

    /// The typed proxy of the actor called `id`, activating it on first use (a virtual actor:
    /// seed 000's `getActor(Proxy, id)`, Orleans' grains). A new actor's state comes from
    /// [`Activate`] (`Default::default()` for `Default` actors), as does the fresh state
    /// after every restart. Fails if `id` names an actor of another type.
    ///
    /// The proxy sends without borrowing the runtime (see [`ActorRef`]); obtained inside a
    /// handler, its calls come from that actor.
    fn actor<A: ProxyActor + Activate>(&mut self, id: &str) -> Result<A::Proxy, SpawnError> {
        let sender = sealed::Sealed::sender(self);
        let core = self.parts().0;
        let addr = core.activate::<A>(id)?;
        Ok(A::Proxy::from(core.actor_ref(&addr, sender)))
    }

    /// The typed proxy of an actor spawned by address.
    fn proxy<A: ProxyActor>(&self, addr: &Addr<A>) -> A::Proxy {
        A::Proxy::from(self.actor_ref(addr))
    }

    /// A handle that sends to `addr` without borrowing the runtime (see [`ActorRef`]).
    fn actor_ref<A: Actor>(&self, addr: &Addr<A>) -> ActorRef<A> {
        self.core().actor_ref(addr, sealed::Sealed::sender(self))
    }

    /// The stream called `name` as a handle that publishes and subscribes without borrowing
    /// the runtime (`news.next(v)`; see [`StreamRef`]). Created on first use; fails if it
    /// carries another type.
    fn stream_ref<T: Clone + 'static>(&mut self, name: &str) -> Result<StreamRef<T>, TopicError> {
        let sender = sealed::Sealed::sender(self);
        self.parts().0.stream_ref(name, sender)
    }
}

impl Runtime for crate::System {}
impl Runtime for crate::ManualDriver {}
impl<A: Actor> Runtime for crate::Context<'_, A> {}

impl<T: Message + Clone> Stream<T> {
    /// Publishes `value` to every subscriber (seed 000's `stream.next`).
    pub fn next(&self, rt: &mut impl Runtime, value: T) -> usize {
        rt.publish(self.topic(), value)
    }

    /// Subscribes an actor that handles `T`s.
    pub fn subscribe<A: Handler<T>>(
        &self,
        rt: &mut impl Runtime,
        subscriber: &Addr<A>,
    ) -> Result<(), TopicError> {
        rt.subscribe::<T, A>(self.topic(), subscriber)
    }

    /// Unsubscribes an actor; true if it was subscribed.
    pub fn unsubscribe(&self, rt: &mut impl Runtime, subscriber: ActorId) -> bool {
        rt.unsubscribe(self.topic(), subscriber)
    }
}

impl Core {
    pub(crate) fn lookup_typed<A: Actor>(&self, name: &str) -> Result<Option<Addr<A>>, SpawnError> {
        let Some(id) = self.registry.names.get(name).copied() else {
            return Ok(None);
        };
        let Ok(cell) = self.registry.get(id) else {
            return Ok(None);
        };
        if cell.kind.is::<A>() {
            Ok(Some(Addr::new(id)))
        } else {
            Err(SpawnError::TypeMismatch {
                name: name.into(),
                expected: core::any::type_name::<A>(),
                found: (cell.kind.name)(),
            })
        }
    }
}
