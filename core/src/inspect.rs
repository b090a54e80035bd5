//! Inspection: what a live system looks like ([`Snapshot`]s pulled on demand), what happens in
//! it (an event feed, batched and bounded), and the JSON protocol an inspector page speaks
//! ([`protocol`], the same bytes from the native and the wasm runtime).
//!
//! An [`Inspector`] can be created and attached at any time, to a system that is already
//! running, and detached again. It adds no work per message: rates are computed when a
//! snapshot is taken, from the `processed` counters the system keeps anyway, and the event
//! feed is an observer that only exists while the inspector is attached.
//!
//! ```
//! use backstage_core::inspect::{Inspector, InspectorConfig};
//! use backstage_core::{Actor, ActorError, Context, Handler, ManualDriver, Runtime};
//! use core::time::Duration;
//!
//! struct Worker;
//! impl Actor for Worker {}
//! impl Handler<u32> for Worker {
//!     fn handle(&mut self, _: u32, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
//!         Ok(())
//!     }
//! }
//!
//! let mut driver = ManualDriver::default();
//! let worker = driver.spawn(|| Worker);
//! driver.run_until_idle();
//!
//! // Attach to the running system; the first snapshot is the baseline for rates.
//! let mut inspector = Inspector::new(InspectorConfig::new().retention(100));
//! inspector.attach(&mut driver.system);
//! inspector.snapshot(&driver.system, driver.now());
//!
//! for _ in 0..500 {
//!     driver.tell(&worker, 1).unwrap();
//! }
//! driver.advance(Duration::from_secs(1));
//! let snapshot = inspector.snapshot(&driver.system, driver.now());
//! let sample = snapshot.actor(worker.id()).unwrap();
//! assert_eq!(sample.processed, 500);
//! assert!((sample.rate - 500.0).abs() < 1e-6); // messages per second, smoothed
//!
//! let json = snapshot.to_json(); // a `snapshot` frame of the protocol
//! assert!(json.starts_with(r#"{"type":"snapshot""#));
//! inspector.detach(&mut driver.system);
//! ```
//!
//! # Rates
//!
//! An actor's `rate` is its messages per second, smoothed: an exponentially weighted moving
//! average of the rates measured between snapshots (`Δprocessed / Δt`), each interval
//! weighted by its length and older ones fading with time constant `τ` = 2 s
//! ([`RATE_TIME_CONSTANT`]): an interval `Δt` long moves the average by `α = 1 − e^(−Δt/τ)` of
//! the difference. The average is normalised by the weight of the time observed so far, so an
//! inspector that has just attached reports the average of what it has seen instead of a rate
//! climbing from zero. Irregular intervals weigh correctly, several watchers sampling at their
//! own pace agree, and a rate falls to 1/e of its value 2 s after its actor goes quiet. In an
//! inspector's first snapshot every rate is 0 (there is no interval yet); an actor spawned
//! since the previous snapshot is measured from that snapshot (it had handled nothing then).
//! The system's `rate` is the same over the `delivered` counter.
//!
//! # Redaction
//!
//! Dead letters carry the undelivered message. The feed shows only its type unless a
//! [redaction hook](InspectorConfig::redact) says otherwise: the hook gets the
//! [`DeadLetter`] (with the message, for downcasting) and returns the text to show.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::rc::{Rc, Weak};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use core::fmt;
use core::time::Duration;

use crate::envelope::Payload;
use crate::{
    ActorError, ActorId, ActorState, Context, DeadLetter, DeadLetterReason, Envelope, Handler,
    Instant, Message, ObserverId, StopReason, System, SystemEvent, SystemMetrics,
};

pub mod json;
pub mod protocol;

pub use protocol::{Command, ErrorKind, ProtocolError, Request};

/// The time constant of the smoothed rates (see [Rates](self#rates)).
pub const RATE_TIME_CONSTANT: Duration = Duration::from_secs(2);

/// Turns a dead letter into the text an inspector shows for its message (`None`: masked,
/// `null` in the protocol).
pub type Redactor = Box<dyn Fn(&DeadLetter) -> Option<String>>;

/// How an [`Inspector`] is set up.
pub struct InspectorConfig {
    retention: usize,
    redact: Option<Redactor>,
}

impl Default for InspectorConfig {
    fn default() -> Self {
        InspectorConfig::new()
    }
}

impl fmt::Debug for InspectorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InspectorConfig")
            .field("retention", &self.retention)
            .field("redact", &self.redact.is_some())
            .finish()
    }
}

impl InspectorConfig {
    /// Keeps up to 1,024 events between two [`take_events`](Inspector::take_events); shows a
    /// dead letter's message type only.
    pub fn new() -> Self {
        InspectorConfig {
            retention: 1024,
            redact: None,
        }
    }

    /// How many events the feed keeps until they are taken; older ones are dropped (and
    /// counted in [`EventBatch::dropped`]) to make room. 0 keeps none: only counts them.
    pub fn retention(mut self, events: usize) -> Self {
        self.retention = events;
        self
    }

    /// The text shown for a dead letter's message, or `None` to mask it. By default it is
    /// the message's type name ([`message_type`]): contents are not shown unless this hook
    /// shows them. The hook runs when the dead letter is recorded, while attached.
    ///
    /// ```
    /// use backstage_core::inspect::{message_type, InspectorConfig, InspectorMessage};
    /// // Show what operators typed into the inspector, and only the type of anything else.
    /// let config = InspectorConfig::new().redact(|letter| match InspectorMessage::in_dead_letter(letter) {
    ///     Some(msg) => Some(msg.text.clone()),
    ///     None => Some(message_type(letter).into()),
    /// });
    /// # let _ = config;
    /// ```
    pub fn redact(mut self, hook: impl Fn(&DeadLetter) -> Option<String> + 'static) -> Self {
        self.redact = Some(Box::new(hook));
        self
    }
}

/// A message an inspector sends to an actor (the protocol's `send` command), as an untyped
/// [`Envelope`] whose payload is this value: it reaches [`Actor::receive`](crate::Actor::receive).
/// An actor that does not take it makes a dead letter (reason `UNHANDLED`), as for any
/// envelope; one that does routes it to its handler with [`InspectorMessage::receive`]:
///
/// ```
/// use backstage_core::inspect::InspectorMessage;
/// use backstage_core::{Actor, ActorError, Context, Envelope, Handler};
///
/// struct Fragile;
/// impl Actor for Fragile {
///     fn receive(&mut self, envelope: Envelope, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
///         InspectorMessage::receive(self, envelope, ctx)
///     }
/// }
/// impl Handler<InspectorMessage> for Fragile {
///     fn handle(&mut self, msg: InspectorMessage, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
///         match msg.text.as_str() {
///             "crash" => Err(ActorError::new("crashed on request")),
///             _ => Ok(()),
///         }
///     }
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectorMessage {
    /// What the operator typed.
    pub text: String,
}

impl Message for InspectorMessage {
    type Reply = ();
}

impl InspectorMessage {
    /// The envelope that carries `text` to an actor.
    pub fn envelope(text: impl Into<String>) -> Envelope {
        Envelope::value(InspectorMessage { text: text.into() })
    }

    /// The inspector message in `envelope`, if it carries one.
    pub fn in_envelope(envelope: &Envelope) -> Option<&InspectorMessage> {
        envelope.payload.downcast_ref()
    }

    /// The inspector message a dead letter carries (in its envelope), if any.
    pub fn in_dead_letter(letter: &DeadLetter) -> Option<&InspectorMessage> {
        letter
            .downcast_ref::<InspectorMessage>()
            .or_else(|| Self::in_envelope(letter.downcast_ref::<Envelope>()?))
    }

    /// For [`Actor::receive`](crate::Actor::receive): hands an inspector message to the
    /// actor's `Handler<InspectorMessage>`, and declines any other envelope (a dead letter,
    /// as the default `receive` does).
    pub fn receive<A: Handler<InspectorMessage>>(
        actor: &mut A,
        envelope: Envelope,
        ctx: &mut Context<'_, A>,
    ) -> Result<(), ActorError> {
        let Envelope {
            sender,
            kind,
            payload,
        } = envelope;
        let payload = match payload {
            Payload::Value(value) => match value.downcast::<InspectorMessage>() {
                Ok(msg) => return actor.handle(*msg, ctx),
                Err(value) => Payload::Value(value),
            },
            Payload::Shared(value) => match value.downcast_ref::<InspectorMessage>() {
                Some(msg) => return actor.handle(msg.clone(), ctx),
                None => Payload::Shared(value),
            },
            bytes => bytes,
        };
        ctx.unhandled(Envelope {
            sender,
            kind,
            payload,
        });
        Ok(())
    }
}

/// The short type name of a dead letter's message (`Ping`, not `my_app::Ping`); for an
/// envelope carrying an [`InspectorMessage`], `InspectorMessage`. The default redaction.
pub fn message_type(letter: &DeadLetter) -> &'static str {
    if InspectorMessage::in_dead_letter(letter).is_some() {
        return "InspectorMessage";
    }
    short_name(letter.message_type)
}

/// `a::b::C<d::E>` → `C<d::E>`: the last path segment before any generic arguments.
pub fn short_name(full: &'static str) -> &'static str {
    let base = full.split('<').next().unwrap_or(full);
    match base.rfind("::") {
        Some(i) => &full[i + 2..],
        None => full,
    }
}

/// One actor in a [`Snapshot`].
#[derive(Clone, Debug, PartialEq)]
pub struct ActorSample {
    /// Its id.
    pub id: ActorId,
    /// Its registered name.
    pub name: Option<String>,
    /// Its type's short name.
    pub type_name: &'static str,
    /// Its parent (`None` at top level).
    pub parent: Option<ActorId>,
    /// Where it is in its life.
    pub state: ActorState,
    /// Messages waiting in its mailbox.
    pub mailbox: usize,
    /// Its mailbox capacity.
    pub capacity: usize,
    /// Messages it has handled.
    pub processed: u64,
    /// Messages per second, smoothed (see [Rates](self#rates)).
    pub rate: f64,
    /// Failures of its handlers and hooks.
    pub errors: u32,
    /// Times it was restarted.
    pub restarts: u32,
}

/// A topic in a [`Snapshot`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicSample {
    /// Its name (empty for an actor's default topic).
    pub name: String,
    /// The actor it belongs to; `None` for a stream.
    pub owner: Option<ActorId>,
    /// How many subscribers it has.
    pub subscribers: usize,
}

/// What a system looked like at one moment. Owns its data (it is `Send`), so a driver can
/// take it on one thread and serve it from another, and [`merge`](Snapshot::merge) those of
/// several systems (one per loop) into one.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// When it was taken, on the driver's clock.
    pub at: Instant,
    /// The system's counters (summed over systems, once merged).
    pub metrics: SystemMetrics,
    /// The system's delivered messages per second, smoothed.
    pub rate: f64,
    /// Every live actor, in id order.
    pub actors: Vec<ActorSample>,
    /// Every topic with subscribers (and every declared stream).
    pub topics: Vec<TopicSample>,
}

impl Snapshot {
    /// The sample of actor `id`, if it was alive.
    pub fn actor(&self, id: ActorId) -> Option<&ActorSample> {
        self.actors
            .binary_search_by_key(&id, |a| a.id)
            .ok()
            .map(|i| &self.actors[i])
    }

    /// The sample of the actor called `name`.
    pub fn named(&self, name: &str) -> Option<&ActorSample> {
        self.actors.iter().find(|a| a.name.as_deref() == Some(name))
    }

    /// Dead letters recorded for each reason, leaving out reasons with none.
    pub fn dead_letters_by_reason(&self) -> impl Iterator<Item = (DeadLetterReason, u64)> + '_ {
        DeadLetterReason::ALL
            .iter()
            .map(|r| (*r, self.metrics.dead_letters_for(*r)))
            .filter(|(_, n)| *n > 0)
    }

    /// One snapshot of several systems (the loops of one engine): counters and rates added,
    /// actors together in id order, topics of the same owner and name added up, taken at the
    /// latest of their times.
    pub fn merge(parts: impl IntoIterator<Item = Snapshot>) -> Snapshot {
        let mut merged = Snapshot {
            at: Instant::ZERO,
            metrics: SystemMetrics::default(),
            rate: 0.0,
            actors: Vec::new(),
            topics: Vec::new(),
        };
        let mut topics: BTreeMap<(Option<ActorId>, String), usize> = BTreeMap::new();
        for part in parts {
            merged.at = merged.at.max(part.at);
            add_metrics(&mut merged.metrics, &part.metrics);
            merged.rate += part.rate;
            merged.actors.extend(part.actors);
            for topic in part.topics {
                *topics.entry((topic.owner, topic.name)).or_default() += topic.subscribers;
            }
        }
        merged.actors.sort_by_key(|a| a.id);
        merged.topics = topics
            .into_iter()
            .map(|((owner, name), subscribers)| TopicSample {
                name,
                owner,
                subscribers,
            })
            .collect();
        merged
    }
}

fn add_metrics(into: &mut SystemMetrics, m: &SystemMetrics) {
    into.sent += m.sent;
    into.delivered += m.delivered;
    into.rejected += m.rejected;
    into.dead_letters += m.dead_letters;
    for (sum, n) in into
        .dead_letters_by_reason
        .iter_mut()
        .zip(m.dead_letters_by_reason)
    {
        *sum += n;
    }
    into.spawned += m.spawned;
    into.stopped += m.stopped;
    into.failures += m.failures;
    into.restarts += m.restarts;
    into.live_actors += m.live_actors;
}

/// Something that happened, as the event feed reports it. Owns its data (`Send`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectEvent {
    /// When, on the driver's clock (the `now` of the run in which it happened).
    pub at: Instant,
    /// What.
    pub kind: EventKind,
}

/// What happened (see [`SystemEvent`], which this mirrors with owned data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// An actor was spawned.
    Spawned {
        /// The new actor.
        id: ActorId,
        /// Its parent.
        parent: Option<ActorId>,
        /// Its name.
        name: Option<String>,
        /// Its type's short name.
        type_name: &'static str,
    },
    /// An actor stopped for good.
    Stopped {
        /// The actor.
        id: ActorId,
        /// Why: `requested`, `poisonPill`, `parentStopped`, `shutdown` or `failed`.
        reason: &'static str,
        /// The failure, when the reason is `failed`.
        error: Option<String>,
    },
    /// A handler or hook failed.
    Failed {
        /// The actor.
        id: ActorId,
        /// The error's message.
        error: String,
    },
    /// A supervisor restarted an actor.
    Restarted {
        /// The actor.
        id: ActorId,
        /// The failure that caused it.
        error: String,
    },
    /// A message could not be delivered.
    DeadLetter {
        /// Whom it was for.
        to: Option<ActorId>,
        /// Who sent it.
        from: Option<ActorId>,
        /// Why it was not delivered.
        reason: DeadLetterReason,
        /// The message's short type name.
        message_type: &'static str,
        /// What the redaction hook made of it (by default, the type name again; `None`:
        /// masked).
        message: Option<String>,
    },
}

/// The text form of a [`StopReason`] in the protocol.
pub fn stop_reason_code(reason: &StopReason) -> &'static str {
    match reason {
        StopReason::Requested => "requested",
        StopReason::PoisonPill => "poisonPill",
        StopReason::ParentStopped => "parentStopped",
        StopReason::Shutdown => "shutdown",
        StopReason::Failed(_) => "failed",
    }
}

/// The text form of an [`ActorState`] in the protocol.
pub fn state_code(state: ActorState) -> &'static str {
    match state {
        ActorState::Starting => "starting",
        ActorState::Running => "running",
        ActorState::Suspended => "suspended",
        ActorState::Paused => "paused",
        ActorState::Stopping => "stopping",
    }
}

/// Events taken from the feed at once, and how many were dropped before them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventBatch {
    /// The events, oldest first.
    pub events: Vec<InspectEvent>,
    /// Events lost to the retention bound since the previous batch.
    pub dropped: u64,
}

impl EventBatch {
    /// True if there is nothing to report (no events, none dropped).
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.dropped == 0
    }

    /// Appends `other` (batches of several systems, or of several takes).
    pub fn extend(&mut self, other: EventBatch) {
        self.events.extend(other.events);
        self.dropped += other.dropped;
    }

    /// Orders the events by time (stable: events of one system keep their order), after
    /// [`extend`](EventBatch::extend)ing batches of several systems.
    pub fn sort_by_time(&mut self) {
        self.events.sort_by_key(|e| e.at);
    }
}

/// The feed, and a count of events that came while it was being written.
struct FeedCell {
    feed: RefCell<Feed>,
    lost: Cell<u64>,
}

/// The feed the observer writes and the inspector drains.
struct Feed {
    events: VecDeque<InspectEvent>,
    retention: usize,
    dropped: u64,
    redact: Option<Redactor>,
}

impl Feed {
    fn push(&mut self, event: InspectEvent) {
        if self.retention == 0 {
            self.dropped += 1;
            return;
        }
        if self.events.len() >= self.retention {
            self.events.pop_front();
            self.dropped += 1;
        }
        self.events.push_back(event);
    }

    fn record(&mut self, at: Instant, event: &SystemEvent<'_>) {
        let kind = match *event {
            SystemEvent::Spawned {
                id,
                parent,
                name,
                type_name,
            } => EventKind::Spawned {
                id,
                parent,
                name: name.map(String::from),
                type_name: short_name(type_name),
            },
            SystemEvent::Stopped { id, reason } => EventKind::Stopped {
                id,
                reason: stop_reason_code(reason),
                error: match reason {
                    StopReason::Failed(e) => Some(e.message().into()),
                    _ => None,
                },
            },
            SystemEvent::Failed { id, error } => EventKind::Failed {
                id,
                error: error.message().into(),
            },
            SystemEvent::Restarted { id, cause } => EventKind::Restarted {
                id,
                error: cause.message().into(),
            },
            SystemEvent::DeadLetter(letter) => EventKind::DeadLetter {
                to: letter.to,
                from: letter.from,
                reason: letter.reason,
                message_type: message_type(letter),
                message: match &self.redact {
                    Some(redact) => redact(letter),
                    None => Some(message_type(letter).into()),
                },
            },
        };
        self.push(InspectEvent { at, kind });
    }
}

/// A smoothed rate over one counter: an exponentially weighted moving average of the measured
/// rates, normalised by the weight of the time observed so far (so it does not start from 0).
#[derive(Clone, Copy, Debug)]
struct Rate {
    count: u64,
    at: Instant,
    /// The average as if it had started at 0 ...
    ewma: f64,
    /// ... and the share of the weight the observed time carries (`1 − e^(−T/τ)`).
    weight: f64,
    /// The snapshot that last saw it (to forget actors that are gone).
    seen: u64,
}

impl Rate {
    fn new(count: u64, at: Instant) -> Self {
        Rate {
            count,
            at,
            ewma: 0.0,
            weight: 0.0,
            seen: 0,
        }
    }

    fn value(&self) -> f64 {
        if self.weight > 0.0 {
            self.ewma / self.weight
        } else {
            0.0
        }
    }

    fn update(&mut self, count: u64, now: Instant) -> f64 {
        if now <= self.at {
            return self.value();
        }
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        // A counter that went back (it cannot, today) restarts the measurement.
        let measured = count.saturating_sub(self.count) as f64 / dt;
        let alpha = 1.0 - exp_neg(dt / RATE_TIME_CONSTANT.as_secs_f64());
        self.ewma += alpha * (measured - self.ewma);
        self.weight += alpha * (1.0 - self.weight);
        self.count = count;
        self.at = now;
        self.value()
    }
}

/// `e^(−x)` for `x ≥ 0` without `std`: halve `x` until it is small, sum the series, square
/// back. Relative error below 1e-12 over the range rates use.
fn exp_neg(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return 1.0;
    }
    if x > 700.0 {
        return 0.0;
    }
    let mut y = x;
    let mut halvings = 0;
    while y > 0.125 {
        y *= 0.5;
        halvings += 1;
    }
    let (mut term, mut sum) = (1.0, 1.0);
    for n in 1..=12 {
        term *= -y / n as f64;
        sum += term;
    }
    for _ in 0..halvings {
        sum *= sum;
    }
    sum
}

/// Watches one [`System`]: snapshots with smoothed rates, and, while attached, a bounded feed of
/// its events. See the [module documentation](self).
pub struct Inspector {
    feed: Rc<FeedCell>,
    attached: Option<(ObserverId, *const ())>,
    rates: BTreeMap<ActorId, Rate>,
    system_rate: Option<Rate>,
    snapshots: u64,
    /// When the previous snapshot was taken.
    last_snapshot: Option<Instant>,
}

impl fmt::Debug for Inspector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inspector")
            .field("attached", &self.attached.is_some())
            .field("pending_events", &self.pending_events())
            .field("tracked_actors", &self.rates.len())
            .finish()
    }
}

impl Inspector {
    /// An inspector, not attached yet: it can take snapshots of any system; it records events
    /// once [attached](Inspector::attach).
    pub fn new(config: InspectorConfig) -> Self {
        Inspector {
            feed: Rc::new(FeedCell {
                feed: RefCell::new(Feed {
                    events: VecDeque::new(),
                    retention: config.retention,
                    dropped: 0,
                    redact: config.redact,
                }),
                lost: Cell::new(0),
            }),
            attached: None,
            rates: BTreeMap::new(),
            system_rate: None,
            snapshots: 0,
            last_snapshot: None,
        }
    }

    /// Starts recording `system`'s events (spawns, stops, failures, restarts, dead letters)
    /// into the feed, from now on. False if it is already attached (to this or another
    /// system).
    pub fn attach(&mut self, system: &mut System) -> bool {
        if self.attached.is_some() {
            return false;
        }
        let feed: Weak<FeedCell> = Rc::downgrade(&self.feed);
        let id = system.add_observer(move |at, event| {
            if let Some(cell) = feed.upgrade() {
                match cell.feed.try_borrow_mut() {
                    Ok(mut feed) => feed.record(at, event),
                    // An event caused by the redaction hook itself (while the feed is being
                    // written): counted, not recorded.
                    Err(_) => cell.lost.set(cell.lost.get() + 1),
                }
            }
        });
        self.attached = Some((id, system_key(system)));
        true
    }

    /// Stops recording events: `system` is back to costing nothing for them. Events already
    /// in the feed stay there until taken. False if it was not attached to `system`.
    ///
    /// Detach before dropping an attached inspector: the observer it leaves behind otherwise
    /// stays registered (doing nothing) for the system's life.
    pub fn detach(&mut self, system: &mut System) -> bool {
        match self.attached {
            Some((id, key)) if key == system_key(system) => {
                self.attached = None;
                system.remove_observer(id)
            }
            _ => false,
        }
    }

    /// True while attached.
    pub fn is_attached(&self) -> bool {
        self.attached.is_some()
    }

    /// Events waiting in the feed.
    pub fn pending_events(&self) -> usize {
        self.feed
            .feed
            .try_borrow()
            .map_or(0, |feed| feed.events.len())
    }

    /// Takes every event recorded since the last call, with the count of those dropped to
    /// stay within the retention bound. (Called from inside the redaction hook, which runs
    /// while an event is being recorded, it finds nothing: the events wait for the next call.)
    pub fn take_events(&mut self) -> EventBatch {
        let Ok(mut feed) = self.feed.feed.try_borrow_mut() else {
            return EventBatch::default();
        };
        let dropped = core::mem::take(&mut feed.dropped) + self.feed.lost.take();
        EventBatch {
            events: feed.events.drain(..).collect(),
            dropped,
        }
    }

    /// What `system` looks like at `now` (the driver's clock, as passed to
    /// [`System::run`]). Rates are measured since this inspector's previous snapshot.
    pub fn snapshot(&mut self, system: &System, now: Instant) -> Snapshot {
        self.snapshots += 1;
        let mark = self.snapshots;
        // An actor not in the previous snapshot did not exist then: it had handled nothing.
        let previous = self.last_snapshot.replace(now);
        let mut actors = Vec::with_capacity(system.core.registry.live());
        for id in system.core.registry.ids() {
            let Some(info) = system.actor_info(id) else {
                continue;
            };
            let rate = self.rates.entry(id).or_insert_with(|| match previous {
                Some(at) => Rate::new(0, at),
                None => Rate::new(info.processed, now),
            });
            rate.seen = mark;
            let per_second = rate.update(info.processed, now);
            actors.push(ActorSample {
                id,
                name: info.name.as_deref().map(String::from),
                type_name: short_name(info.type_name),
                parent: info.parent,
                state: info.state,
                mailbox: info.mailbox_len,
                capacity: info.capacity,
                processed: info.processed,
                rate: per_second,
                errors: info.errors,
                restarts: info.restarts,
            });
        }
        actors.sort_by_key(|a| a.id);
        self.rates.retain(|_, r| r.seen == mark);
        let metrics = system.metrics().clone();
        let rate = self
            .system_rate
            .get_or_insert_with(|| Rate::new(metrics.delivered, now))
            .update(metrics.delivered, now);
        let topics = system
            .core
            .topics
            .topics()
            .map(|(topic, subscribers)| TopicSample {
                name: topic.name().to_string(),
                owner: topic.owner(),
                subscribers,
            })
            .collect();
        Snapshot {
            at: now,
            metrics,
            rate,
            actors,
            topics,
        }
    }

    /// Carries out a `stop` or `send` command on `system` (the other commands are the
    /// transport's: answered with `Ok` and nothing done). A `send` delivers an
    /// [`InspectorMessage`] envelope.
    pub fn apply(system: &mut System, request: &Request) -> Result<(), ErrorKind> {
        use crate::Runtime;
        match request {
            Request::Stop { actor } => system.stop(*actor).map_err(ErrorKind::Send),
            Request::Send { actor, text } => system
                .send_envelope(*actor, InspectorMessage::envelope(text.as_str()))
                .map_err(ErrorKind::Send),
            Request::Snapshot | Request::Watch { .. } | Request::Unwatch => Ok(()),
        }
    }
}

/// Tells systems apart (an observer id only means something in the system that issued it).
fn system_key(system: &System) -> *const () {
    Rc::as_ptr(&system.core.shared) as *const ()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_neg_matches_known_values() {
        let cases = [
            (0.0, 1.0),
            (0.1, 0.904_837_418_035_959_6),
            (0.25, 0.778_800_783_071_404_9),
            (1.0, 0.367_879_441_171_442_33),
            (5.0, 0.006_737_946_999_085_467),
            (30.0, 9.357_622_968_840_175e-14),
        ];
        for (x, want) in cases {
            let got = exp_neg(x);
            assert!(
                ((got - want) / want).abs() < 1e-12,
                "e^-{x}: {got} vs {want}"
            );
        }
        assert_eq!(exp_neg(1e9), 0.0);
        assert_eq!(exp_neg(-1.0), 1.0);
    }

    #[test]
    fn rates_smooth_with_the_time_constant() {
        let s = |secs: f64| Instant::from_nanos((secs * 1e9) as u64);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9 * b.abs().max(1.0);
        let mut rate = Rate::new(0, s(0.0));
        assert!(close(rate.update(100, s(1.0)), 100.0)); // the first interval: as measured
        assert!(close(rate.update(100, s(1.0)), 100.0)); // no time passed: unchanged
                                                         // A short first interval does not weigh more than its length: 1 ms with nothing, then
                                                         // 999 ms at 1,000/s average to about 999/s, not to a rate climbing from 0.
        let mut fresh = Rate::new(0, s(0.0));
        assert_eq!(fresh.update(0, s(0.001)), 0.0);
        let avg = fresh.update(999, s(1.0));
        assert!((avg - 999.0).abs() < 1.0, "{avg}");
        // Long after the start, quiet for 2 s (one time constant) leaves 1/e of the rate.
        let mut steady = Rate::new(0, s(0.0));
        steady.update(10_000, s(100.0));
        let before = steady.value();
        let quiet = steady.update(10_000, s(102.0));
        assert!(close(quiet, before * exp_neg(1.0)), "{quiet}");
        // Time going back changes nothing.
        assert_eq!(steady.update(50_000, s(101.0)), quiet);
    }

    #[test]
    fn short_names_drop_the_path() {
        assert_eq!(short_name("a::b::Ping"), "Ping");
        assert_eq!(short_name("Ping"), "Ping");
        assert_eq!(short_name("alloc::vec::Vec<a::B>"), "Vec<a::B>");
    }
}
