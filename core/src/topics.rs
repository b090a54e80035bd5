//! Publish/subscribe: topics owned by actors, and named typed streams.
//!
//! A [`Topic`] is a (publisher, name) pair: every actor has a default topic (the empty name)
//! and any number of named ones; streams are topics with no owner and a fixed element type.
//! Publication copies the message into each subscriber's mailbox in subscription order, so
//! each publisher's messages arrive in the order they were published.

use alloc::collections::BTreeMap;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::any::{type_name, Any, TypeId};
use core::fmt;
use core::marker::PhantomData;

use crate::actor::Handler;
use crate::envelope::{Envelope, EnvelopeKind, Letter, Payload, Typed, Untyped};
use crate::mailbox::Route;
use crate::metrics::{DeadLetter, DeadLetterReason};
use crate::system::Core;
use crate::{ActorId, Message, TopicError};

/// A topic: an optional owning actor and a name.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Topic {
    owner: Option<ActorId>,
    name: Rc<str>,
}

impl Topic {
    /// The topic `name` of actor `owner`.
    pub fn new(owner: ActorId, name: &str) -> Self {
        Topic {
            owner: Some(owner),
            name: name.into(),
        }
    }

    /// The default topic of actor `owner` (what the seeds' `publish` and `subscribeToActor` use).
    pub fn default_of(owner: ActorId) -> Self {
        Topic::new(owner, "")
    }

    /// A topic that belongs to no actor (the carrier of a [`Stream`]).
    pub fn global(name: &str) -> Self {
        Topic {
            owner: None,
            name: name.into(),
        }
    }

    /// The owning actor, if any.
    pub fn owner(&self) -> Option<ActorId> {
        self.owner
    }

    /// The topic's name (empty for an actor's default topic).
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.owner {
            Some(owner) => write!(f, "Topic({owner}/{:?})", self.name),
            None => write!(f, "Topic({:?})", self.name),
        }
    }
}

type DeliverFn = fn(&mut Core, ActorId, Option<ActorId>, &dyn Any);

#[derive(Clone, Copy)]
enum Accepts {
    /// A typed handler: the message must be a `type_id`; `deliver` clones it in.
    Typed { type_id: TypeId, deliver: DeliverFn },
    /// Raw envelopes for `Actor::receive`.
    Envelopes,
}

#[derive(Clone, Copy)]
struct Subscription {
    subscriber: ActorId,
    accepts: Accepts,
}

#[derive(Default)]
struct Entry {
    /// The element type of a stream (`None` for actor topics, which carry any type).
    element: Option<(TypeId, &'static str)>,
    subscribers: Vec<Subscription>,
}

/// All topics and their subscribers.
#[derive(Default)]
pub(crate) struct TopicRouter {
    topics: BTreeMap<Topic, Entry>,
}

impl TopicRouter {
    pub(crate) fn subscriber_count(&self, topic: &Topic) -> usize {
        self.topics.get(topic).map_or(0, |e| e.subscribers.len())
    }

    pub(crate) fn topics(&self) -> impl Iterator<Item = (&Topic, usize)> {
        self.topics.iter().map(|(t, e)| (t, e.subscribers.len()))
    }
}

fn deliver_clone<A: Handler<M>, M: Message + Clone>(
    core: &mut Core,
    to: ActorId,
    from: Option<ActorId>,
    msg: &dyn Any,
) {
    if let Some(msg) = msg.downcast_ref::<M>() {
        let letter = Letter::new(from, Typed::<A, M>::boxed(msg.clone(), None));
        let _ = core.enqueue(to, letter, Route::Forward);
    }
}

/// Delivers a clone of a published `T` converted into the message `M` (a subscribed method).
fn deliver_converted<A: Handler<M>, T: Clone + 'static, M: Message + From<T>>(
    core: &mut Core,
    to: ActorId,
    from: Option<ActorId>,
    value: &dyn Any,
) {
    if let Some(value) = value.downcast_ref::<T>() {
        let letter = Letter::new(from, Typed::<A, M>::boxed(M::from(value.clone()), None));
        let _ = core.enqueue(to, letter, Route::Forward);
    }
}

impl Core {
    /// Subscribes `subscriber` to the `T`s published on `topic`, each delivered as `M::from(t)`
    /// (a proxy's method subscribed to a stream: see `StreamRef::subscribe`).
    pub(crate) fn subscribe_converted<A: Handler<M>, T: Clone + 'static, M: Message + From<T>>(
        &mut self,
        topic: &Topic,
        subscriber: ActorId,
    ) -> Result<(), TopicError> {
        let accepts = Accepts::Typed {
            type_id: TypeId::of::<T>(),
            deliver: deliver_converted::<A, T, M>,
        };
        self.add_subscription(
            topic,
            Subscription {
                subscriber,
                accepts,
            },
        )
    }

    fn add_subscription(&mut self, topic: &Topic, sub: Subscription) -> Result<(), TopicError> {
        let cell = self
            .registry
            .get_mut(sub.subscriber)
            .map_err(|_| TopicError::SubscriberGone(sub.subscriber))?;
        let subs = &mut cell.extra().subscriptions;
        if !subs.contains(topic) {
            subs.push(topic.clone());
        }
        let entry = self.topics.topics.entry(topic.clone()).or_default();
        match entry
            .subscribers
            .iter_mut()
            .find(|s| s.subscriber == sub.subscriber)
        {
            Some(existing) => *existing = sub,
            None => entry.subscribers.push(sub),
        }
        Ok(())
    }

    pub(crate) fn subscribe<A: Handler<M>, M: Message + Clone>(
        &mut self,
        topic: &Topic,
        subscriber: ActorId,
    ) -> Result<(), TopicError> {
        let accepts = Accepts::Typed {
            type_id: TypeId::of::<M>(),
            deliver: deliver_clone::<A, M>,
        };
        self.add_subscription(
            topic,
            Subscription {
                subscriber,
                accepts,
            },
        )
    }

    pub(crate) fn subscribe_envelopes(
        &mut self,
        topic: &Topic,
        subscriber: ActorId,
    ) -> Result<(), TopicError> {
        let accepts = Accepts::Envelopes;
        self.add_subscription(
            topic,
            Subscription {
                subscriber,
                accepts,
            },
        )
    }

    pub(crate) fn unsubscribe(&mut self, topic: &Topic, subscriber: ActorId) -> bool {
        if let Ok(cell) = self.registry.get_mut(subscriber) {
            if let Some(extra) = cell.extra.as_mut() {
                extra.subscriptions.retain(|t| t != topic);
            }
        }
        let Some(entry) = self.topics.topics.get_mut(topic) else {
            return false;
        };
        let before = entry.subscribers.len();
        entry.subscribers.retain(|s| s.subscriber != subscriber);
        let removed = entry.subscribers.len() != before;
        if entry.subscribers.is_empty() && entry.element.is_none() {
            self.topics.topics.remove(topic);
        }
        removed
    }

    /// Publishes `msg` to every subscriber of `topic`; returns how many it was sent to.
    pub(crate) fn publish<M: Clone + 'static>(
        &mut self,
        from: Option<ActorId>,
        topic: &Topic,
        msg: M,
    ) -> usize {
        let Some(entry) = self.topics.topics.get_mut(topic) else {
            return 0;
        };
        // Taken out while we enqueue (enqueueing never touches topics); put back after.
        let subscribers = core::mem::take(&mut entry.subscribers);
        let mut shared: Option<Rc<dyn Any>> = None;
        for sub in &subscribers {
            match sub.accepts {
                Accepts::Typed { type_id, deliver } if type_id == TypeId::of::<M>() => {
                    deliver(self, sub.subscriber, from, &msg);
                }
                Accepts::Typed { .. } => {
                    self.metrics.sent += 1;
                    self.record_dead_letter(DeadLetter {
                        to: Some(sub.subscriber),
                        from,
                        reason: DeadLetterReason::TypeMismatch,
                        message_type: type_name::<M>(),
                        message: Some(alloc::boxed::Box::new(msg.clone())),
                    });
                }
                Accepts::Envelopes => {
                    let value = shared.get_or_insert_with(|| Rc::new(msg.clone()));
                    let envelope = Envelope {
                        sender: from,
                        kind: EnvelopeKind::Publish(topic.clone()),
                        payload: Payload::Shared(value.clone()),
                    };
                    let letter = Letter::new(from, alloc::boxed::Box::new(Untyped(envelope)));
                    let _ = self.enqueue(sub.subscriber, letter, Route::Forward);
                }
            }
        }
        let count = subscribers.len();
        if let Some(entry) = self.topics.topics.get_mut(topic) {
            entry.subscribers = subscribers;
        }
        count
    }

    /// Publishes an untyped payload; only envelope subscribers can take it.
    pub(crate) fn publish_payload(
        &mut self,
        from: Option<ActorId>,
        topic: &Topic,
        payload: Payload,
    ) -> usize {
        let subscribers = match self.topics.topics.get(topic) {
            Some(entry) => entry.subscribers.clone(),
            None => return 0,
        };
        let shared: Rc<dyn Any> = match payload {
            Payload::Bytes(b) => Rc::new(b),
            Payload::Value(v) => Rc::from(v),
            Payload::Shared(v) => v,
        };
        for sub in &subscribers {
            let envelope = Envelope {
                sender: from,
                kind: EnvelopeKind::Publish(topic.clone()),
                payload: Payload::Shared(shared.clone()),
            };
            let letter = Letter::new(from, alloc::boxed::Box::new(Untyped(envelope)));
            match sub.accepts {
                Accepts::Envelopes => {
                    let _ = self.enqueue(sub.subscriber, letter, Route::Forward);
                }
                Accepts::Typed { .. } => {
                    self.metrics.sent += 1;
                    self.dead_letter(Some(sub.subscriber), letter, DeadLetterReason::TypeMismatch);
                }
            }
        }
        subscribers.len()
    }

    /// Declares (or checks) a stream's element type.
    pub(crate) fn stream<T: Clone + 'static>(
        &mut self,
        name: &str,
    ) -> Result<Stream<T>, TopicError> {
        let topic = Topic::global(name);
        let entry = self.topics.topics.entry(topic.clone()).or_default();
        match entry.element {
            None => entry.element = Some((TypeId::of::<T>(), type_name::<T>())),
            Some((id, _)) if id == TypeId::of::<T>() => {}
            Some((_, found)) => {
                return Err(TopicError::TypeMismatch {
                    name: alloc::string::ToString::to_string(&*topic.name),
                    expected: type_name::<T>(),
                    found,
                })
            }
        }
        Ok(Stream {
            topic,
            _element: PhantomData,
        })
    }

    /// Forgets a stopped actor's subscriptions and the topics it owned.
    pub(crate) fn drop_topics_of(&mut self, id: ActorId, subscriptions: Vec<Topic>) {
        for topic in subscriptions {
            if let Some(entry) = self.topics.topics.get_mut(&topic) {
                entry.subscribers.retain(|s| s.subscriber != id);
                if entry.subscribers.is_empty() && entry.element.is_none() {
                    self.topics.topics.remove(&topic);
                }
            }
        }
        self.topics
            .topics
            .retain(|topic, _| topic.owner != Some(id));
    }
}

/// A named stream of `T`s that any actor can publish to and subscribe to (seed 000's
/// `getStream(T, id)`); obtained from [`Runtime::stream`](crate::Runtime::stream).
pub struct Stream<T> {
    topic: Topic,
    _element: PhantomData<fn(T) -> T>,
}

impl<T> Stream<T> {
    /// The topic carrying this stream.
    pub fn topic(&self) -> &Topic {
        &self.topic
    }
}

impl<T> Clone for Stream<T> {
    fn clone(&self) -> Self {
        Stream {
            topic: self.topic.clone(),
            _element: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Stream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Stream<{}>({:?})", type_name::<T>(), self.topic.name)
    }
}
