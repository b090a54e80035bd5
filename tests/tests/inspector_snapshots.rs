//! An inspector's snapshots show every live actor with its facts, topics with their
//! subscribers and dead letters by reason; rates are smoothed messages per second on the
//! driver's (here virtual) clock; an inspector attaches to a system that is already running,
//! and detaches.

use std::time::Duration;

use backstage_core::inspect::json::{parse, Json, Limits};
use backstage_core::inspect::{EventKind, Inspector, InspectorConfig, Snapshot};
use backstage_core::*;

struct Worker;
impl Actor for Worker {}

#[derive(Clone)]
struct Job;
impl Message for Job {
    type Reply = ();
}
impl Handler<Job> for Worker {
    fn handle(&mut self, _: Job, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        Ok(())
    }
}

struct Boom;
impl Message for Boom {
    type Reply = ();
}
impl Handler<Boom> for Worker {
    fn handle(&mut self, _: Boom, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        Err(ActorError::new("boom"))
    }
}

/// A parent with one named child.
struct Parent;
impl Actor for Parent {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        ctx.spawn_child_with(SpawnOptions::new().name("child").capacity(8), || Worker)?;
        Ok(())
    }
}

fn snapshot_json(s: &Snapshot) -> Json {
    parse(s.to_json().as_bytes(), &Limits::default()).expect("a snapshot frame is valid JSON")
}

fn secs(n: f64) -> Duration {
    Duration::from_secs_f64(n)
}

#[test]
fn a_snapshot_shows_every_actor_topic_and_dead_letter() {
    let mut d = ManualDriver::default();
    let parent = d
        .spawn_with(SpawnOptions::new().name("parent"), || Parent)
        .unwrap();
    let worker = d
        .spawn_with(SpawnOptions::new().name("worker").capacity(16), || Worker)
        .unwrap();
    let failing = d.spawn(|| Worker);
    d.run_until_idle();
    let child = d.lookup("child").unwrap();

    // A topic with two subscribers, a stream with one.
    let news = Topic::new(parent.id(), "news");
    d.subscribe::<Job, _>(&news, &worker).unwrap();
    d.subscribe::<Job, _>(&news, &failing).unwrap();
    let stream = d.stream::<Job>("jobs").unwrap();
    stream.subscribe(&mut d, &worker).unwrap();

    // One failure and restart; two dead letters of two kinds.
    d.tell(&failing, Boom).unwrap();
    d.run_until_idle();
    let gone = d.spawn(|| Worker);
    d.stop(gone.id()).unwrap();
    d.run_until_idle();
    let _ = d.tell(&gone, Job);
    d.send_envelope(worker.id(), Envelope::value(7u8)).unwrap();
    d.run_until_idle();

    // Three messages queued, not yet run.
    for _ in 0..3 {
        d.tell(&worker, Job).unwrap();
    }

    let mut inspector = Inspector::new(InspectorConfig::new());
    let s = inspector.snapshot(&d.system, d.now());
    assert_eq!(s.actors.len(), 4);
    assert_eq!(s.metrics.live_actors, 4);
    let w = s.actor(worker.id()).unwrap();
    assert_eq!(w.name.as_deref(), Some("worker"));
    assert_eq!(w.type_name, "Worker");
    assert_eq!((w.mailbox, w.capacity), (3, 16));
    assert_eq!(w.parent, None);
    assert_eq!(w.state, ActorState::Running);
    assert_eq!(w.rate, 0.0, "no interval measured yet");
    let c = s.actor(child).unwrap();
    assert_eq!(
        (c.name.as_deref(), c.parent, c.capacity),
        (Some("child"), Some(parent.id()), 8)
    );
    assert_eq!(s.actor(parent.id()).unwrap().type_name, "Parent");
    let f = s.actor(failing.id()).unwrap();
    assert_eq!((f.errors, f.restarts), (1, 1));
    assert_eq!(s.metrics.failures, 1);

    assert_eq!(s.topics.len(), 2);
    let t = s.topics.iter().find(|t| t.name == "news").unwrap();
    assert_eq!((t.owner, t.subscribers), (Some(parent.id()), 2));
    let j = s.topics.iter().find(|t| t.name == "jobs").unwrap();
    assert_eq!((j.owner, j.subscribers), (None, 1));

    let by_reason: Vec<_> = s.dead_letters_by_reason().collect();
    assert_eq!(
        by_reason,
        [
            (DeadLetterReason::ActorStopped, 1),
            (DeadLetterReason::Unhandled, 1)
        ]
    );

    // The same in the protocol's JSON.
    let json = snapshot_json(&s);
    assert_eq!(json.get("type").and_then(Json::as_str), Some("snapshot"));
    let actors = json.get("actors").and_then(Json::as_array).unwrap();
    let wj = actors
        .iter()
        .find(|a| a.get("name").and_then(Json::as_str) == Some("worker"))
        .unwrap();
    let id = |id: ActorId| {
        let (n, i, g) = id.to_parts();
        format!("{n}.{i}.{g}")
    };
    assert_eq!(
        wj.get("id").and_then(Json::as_str),
        Some(id(worker.id()).as_str())
    );
    assert_eq!(wj.get("type").and_then(Json::as_str), Some("Worker"));
    assert_eq!(wj.get("state").and_then(Json::as_str), Some("running"));
    assert_eq!(wj.get("mailbox").and_then(Json::as_u64), Some(3));
    assert_eq!(wj.get("capacity").and_then(Json::as_u64), Some(16));
    assert!(wj.get("parent").unwrap().is_null());
    let cj = actors
        .iter()
        .find(|a| a.get("name").and_then(Json::as_str) == Some("child"))
        .unwrap();
    assert_eq!(
        cj.get("parent").and_then(Json::as_str),
        Some(id(parent.id()).as_str())
    );
    let system = json.get("system").unwrap();
    assert_eq!(system.get("liveActors").and_then(Json::as_u64), Some(4));
    assert_eq!(system.get("restarts").and_then(Json::as_u64), Some(1));
    let dead = json.get("deadLetters").unwrap();
    assert_eq!(dead.get("total").and_then(Json::as_u64), Some(2));
    let by = dead.get("byReason").unwrap();
    assert_eq!(by.get("ACTOR_STOPPED").and_then(Json::as_u64), Some(1));
    assert_eq!(by.get("UNHANDLED").and_then(Json::as_u64), Some(1));
    assert_eq!(
        by.as_object().unwrap().len(),
        2,
        "reasons with none are left out"
    );
    let topics = json.get("topics").and_then(Json::as_array).unwrap();
    assert!(topics
        .iter()
        .any(|t| t.get("name").and_then(Json::as_str) == Some("jobs")
            && t.get("owner").unwrap().is_null()
            && t.get("subscribers").and_then(Json::as_u64) == Some(1)));
}

#[test]
fn rates_rise_with_the_load_and_fall_when_it_stops() {
    let mut d = ManualDriver::default();
    let pinger = d.spawn(|| Worker);
    let idle = d.spawn(|| Worker);
    d.run_until_idle();
    let mut inspector = Inspector::new(InspectorConfig::new());
    inspector.snapshot(&d.system, d.now());

    // Every 500 ms of virtual time, more messages than the interval before.
    let mut rates = Vec::new();
    let mut system_rates = Vec::new();
    for step in 1..=8u32 {
        for _ in 0..step * 100 {
            d.tell(&pinger, Job).unwrap();
        }
        d.advance(secs(0.5));
        let s = inspector.snapshot(&d.system, d.now());
        rates.push(s.actor(pinger.id()).unwrap().rate);
        system_rates.push(s.rate);
        assert_eq!(s.actor(idle.id()).unwrap().rate, 0.0);
        // Only this actor is busy: the system's rate is its rate.
        assert!((s.rate - rates[rates.len() - 1]).abs() < 1e-6);
    }
    assert!(
        rates.windows(2).all(|w| w[1] > w[0]),
        "rates rise with the load: {rates:?}"
    );
    // The first interval is measured as is: 100 messages in 0.5 s.
    assert!((rates[0] - 200.0).abs() < 1e-6, "{rates:?}");
    // Smoothed: below the latest measured rate (1,600/s), above the previous ones' average.
    let last = *rates.last().unwrap();
    assert!(last < 1600.0 && last > 900.0, "{rates:?}");

    // Quiet for 2 s (one time constant): the average fades by e^-1, normalised by the weight
    // of the time observed (4 s, then 6 s: `1 − e^(−T/τ)`).
    d.advance(secs(2.0));
    let quiet = inspector
        .snapshot(&d.system, d.now())
        .actor(pinger.id())
        .unwrap()
        .rate;
    let weight = |t: f64| 1.0 - (-t / 2.0f64).exp();
    let expected = (-1.0f64).exp() * weight(4.0) / weight(6.0);
    assert!((quiet / last - expected).abs() < 1e-6, "{quiet} vs {last}");
    d.advance(secs(30.0));
    let faded = inspector
        .snapshot(&d.system, d.now())
        .actor(pinger.id())
        .unwrap()
        .rate;
    assert!(faded < 1e-3, "{faded}");

    // The JSON carries the rates rounded to three decimals.
    for _ in 0..10 {
        d.tell(&pinger, Job).unwrap();
    }
    d.advance(secs(1.0));
    let s = inspector.snapshot(&d.system, d.now());
    let json = snapshot_json(&s);
    let rate = json.get("actors").and_then(Json::as_array).unwrap()[0]
        .get("rate")
        .and_then(Json::as_f64)
        .unwrap();
    assert!(
        (rate - s.actors[0].rate).abs() <= 0.0005,
        "{rate} vs {}",
        s.actors[0].rate
    );
}

#[test]
fn snapshots_at_irregular_intervals_agree_with_regular_ones() {
    // Two inspectors on one system: one samples every 100 ms, one every second. After a
    // steady load, both report its rate.
    let mut d = ManualDriver::default();
    let w = d.spawn(|| Worker);
    d.run_until_idle();
    let mut often = Inspector::new(InspectorConfig::new());
    let mut seldom = Inspector::new(InspectorConfig::new());
    often.snapshot(&d.system, d.now());
    seldom.snapshot(&d.system, d.now());
    for tenth in 1..=100 {
        for _ in 0..50 {
            d.tell(&w, Job).unwrap();
        }
        d.advance(secs(0.1));
        often.snapshot(&d.system, d.now());
        if tenth % 10 == 0 {
            seldom.snapshot(&d.system, d.now());
        }
    }
    let a = often
        .snapshot(&d.system, d.now())
        .actor(w.id())
        .unwrap()
        .rate;
    let b = seldom
        .snapshot(&d.system, d.now())
        .actor(w.id())
        .unwrap()
        .rate;
    assert!(
        (a - 500.0).abs() < 1.0 && (b - 500.0).abs() < 1.0,
        "{a} {b}"
    );
}

#[test]
fn an_inspector_attaches_to_a_running_system_and_detaches() {
    let mut d = ManualDriver::default();
    let early = d
        .spawn_with(SpawnOptions::new().name("early"), || Worker)
        .unwrap();
    for _ in 0..10 {
        d.tell(&early, Job).unwrap();
    }
    d.advance(secs(5.0));

    // Attached later: it sees the actors spawned before it, and the events after it.
    let mut inspector = Inspector::new(InspectorConfig::new());
    assert!(inspector.attach(&mut d.system));
    assert!(!inspector.attach(&mut d.system), "attached once");
    let s = inspector.snapshot(&d.system, d.now());
    assert_eq!(s.named("early").unwrap().processed, 10);
    assert_eq!(
        inspector.pending_events(),
        0,
        "nothing from before it attached"
    );

    let late = d.spawn(|| Worker);
    d.run_until_idle();
    let batch = inspector.take_events();
    assert_eq!(batch.events.len(), 1);
    assert!(matches!(batch.events[0].kind, EventKind::Spawned { id, .. } if id == late.id()));
    assert_eq!(batch.events[0].at, d.now());

    // Detaching from another system does nothing; from its own, events stop.
    let mut other = ManualDriver::default();
    assert!(!inspector.detach(&mut other.system));
    assert!(inspector.detach(&mut d.system));
    assert!(!inspector.is_attached());
    d.stop(late.id()).unwrap();
    d.run_until_idle();
    assert_eq!(inspector.pending_events(), 0);
    // Snapshots still work detached; and it can attach again.
    assert_eq!(inspector.snapshot(&d.system, d.now()).actors.len(), 1);
    assert!(inspector.attach(&mut d.system));
    d.stop(early.id()).unwrap();
    d.run_until_idle();
    assert_eq!(inspector.take_events().events.len(), 1);
    inspector.detach(&mut d.system);

    // The system's own observers are untouched by all this.
    let seen = std::rc::Rc::new(std::cell::Cell::new(0));
    let counter = seen.clone();
    d.system.observe(move |_| counter.set(counter.get() + 1));
    let mut second = Inspector::new(InspectorConfig::new());
    second.attach(&mut d.system);
    second.detach(&mut d.system);
    d.spawn(|| Worker);
    d.run_until_idle();
    assert_eq!(seen.get(), 1);
}

#[test]
fn snapshots_of_several_systems_merge_into_one() {
    let mut a = ManualDriver::new(System::with_config(SystemConfig {
        node: NodeId(0),
        ..SystemConfig::default()
    }));
    let mut b = ManualDriver::new(System::with_config(SystemConfig {
        node: NodeId(1),
        ..SystemConfig::default()
    }));
    let wa = a.spawn(|| Worker);
    let wb = b.spawn(|| Worker);
    let ta = a.stream::<Job>("jobs").unwrap();
    ta.subscribe(&mut a, &wa).unwrap();
    let tb = b.stream::<Job>("jobs").unwrap();
    tb.subscribe(&mut b, &wb).unwrap();
    a.run_until_idle();
    b.run_until_idle();
    let mut ia = Inspector::new(InspectorConfig::new());
    let mut ib = Inspector::new(InspectorConfig::new());
    let sa = ia.snapshot(&a.system, a.now());
    b.advance(secs(1.0));
    let sb = ib.snapshot(&b.system, b.now());
    let merged = Snapshot::merge([sb.clone(), sa.clone()]);
    assert_eq!(merged.at, sb.at);
    assert_eq!(merged.actors.len(), 2);
    assert_eq!(merged.actors[0].id, wa.id(), "in id order");
    assert_eq!(merged.metrics.live_actors, 2);
    assert_eq!(
        merged.metrics.spawned,
        sa.metrics.spawned + sb.metrics.spawned
    );
    assert_eq!(merged.topics.len(), 1, "streams of one name are added up");
    assert_eq!(merged.topics[0].subscribers, 2);
}

#[test]
fn an_actor_spawned_between_snapshots_is_measured_from_the_previous_one() {
    let mut d = ManualDriver::default();
    let mut inspector = Inspector::new(InspectorConfig::new());
    inspector.snapshot(&d.system, d.now());
    d.advance(secs(0.5));
    let newcomer = d.spawn(|| Worker);
    for _ in 0..300 {
        d.tell(&newcomer, Job).unwrap();
    }
    d.advance(secs(0.5));
    // It did not exist at the previous snapshot, a second ago: 300 messages in 1 s.
    let s = inspector.snapshot(&d.system, d.now());
    assert!((s.actor(newcomer.id()).unwrap().rate - 300.0).abs() < 1e-6);
}
