//! An attached inspector's event feed: spawns, failures, restarts, stops and dead letters, in
//! order, with their times; bounded by its retention, with a count of what it dropped; dead
//! letters show their message's type only unless the redaction hook says otherwise; the
//! protocol's `stop` and `send` reach actors.

use std::time::Duration;

use backstage_core::inspect::json::{parse, Json, Limits};
use backstage_core::inspect::{
    message_type, EventBatch, EventKind, Inspector, InspectorConfig, InspectorMessage, Request,
};
use backstage_core::*;
use backstage_tests::Log;

struct Worker;
impl Actor for Worker {}

struct Boom;
impl Message for Boom {
    type Reply = ();
}
impl Handler<Boom> for Worker {
    fn handle(&mut self, _: Boom, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        Err(ActorError::new("boom"))
    }
}

/// Carries a secret the inspector must not show by default.
#[derive(Debug)]
struct Secret(&'static str);
impl Message for Secret {
    type Reply = ();
}
impl Handler<Secret> for Worker {
    fn handle(&mut self, Secret(pin): Secret, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        assert!(!pin.is_empty());
        Ok(())
    }
}

/// Takes inspector messages.
struct Operator(Log);
impl Actor for Operator {
    fn receive(
        &mut self,
        envelope: Envelope,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        InspectorMessage::receive(self, envelope, ctx)
    }
}
impl Handler<InspectorMessage> for Operator {
    fn handle(
        &mut self,
        msg: InspectorMessage,
        _: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        if msg.text == "crash" {
            return Err(ActorError::new("crashed on request"));
        }
        self.0.push(msg.text);
        Ok(())
    }
}

fn attached(d: &mut ManualDriver, config: InspectorConfig) -> Inspector {
    let mut inspector = Inspector::new(config);
    inspector.attach(&mut d.system);
    inspector
}

fn kinds(batch: &EventBatch) -> Vec<&'static str> {
    batch
        .events
        .iter()
        .map(|e| match e.kind {
            EventKind::Spawned { .. } => "spawned",
            EventKind::Stopped { .. } => "stopped",
            EventKind::Failed { .. } => "failed",
            EventKind::Restarted { .. } => "restarted",
            EventKind::DeadLetter { .. } => "deadLetter",
        })
        .collect()
}

#[test]
fn events_come_in_order_with_their_times() {
    let mut d = ManualDriver::default();
    let mut inspector = attached(&mut d, InspectorConfig::new());
    d.advance(Duration::from_millis(1500));
    let w = d
        .spawn_with(SpawnOptions::new().name("w"), || Worker)
        .unwrap();
    d.run_until_idle();
    d.advance(Duration::from_millis(500));
    d.tell(&w, Boom).unwrap();
    d.run_until_idle();
    d.advance(Duration::from_millis(250));
    d.stop(w.id()).unwrap();
    d.run_until_idle();
    let _ = d.tell(&w, Secret("pin 1234"));

    let batch = inspector.take_events();
    assert_eq!(
        kinds(&batch),
        ["spawned", "failed", "restarted", "stopped", "deadLetter"]
    );
    assert_eq!(batch.dropped, 0);
    let at: Vec<u64> = batch
        .events
        .iter()
        .map(|e| e.at.as_nanos() / 1_000_000)
        .collect();
    assert_eq!(at, [1500, 2000, 2000, 2250, 2250]);
    assert_eq!(
        batch.events[0].kind,
        EventKind::Spawned {
            id: w.id(),
            parent: None,
            name: Some("w".into()),
            type_name: "Worker"
        }
    );
    assert!(matches!(&batch.events[1].kind, EventKind::Failed { error, .. } if error == "boom"));
    assert!(matches!(
        &batch.events[3].kind,
        EventKind::Stopped {
            reason: "requested",
            error: None,
            ..
        }
    ));
    assert!(inspector.take_events().is_empty(), "taken once");

    // As a frame.
    let json = parse(batch.to_json().as_bytes(), &Limits::default()).unwrap();
    assert_eq!(json.get("type").and_then(Json::as_str), Some("events"));
    let events = json.get("events").and_then(Json::as_array).unwrap();
    assert_eq!(events[0].get("at").and_then(Json::as_f64), Some(1500.0));
    assert_eq!(events[0].get("type").and_then(Json::as_str), Some("Worker"));
    assert_eq!(
        events[2].get("kind").and_then(Json::as_str),
        Some("restarted")
    );
    assert_eq!(events[2].get("error").and_then(Json::as_str), Some("boom"));
    let dl = &events[4];
    assert_eq!(
        dl.get("reason").and_then(Json::as_str),
        Some("ACTOR_STOPPED")
    );
    assert_eq!(dl.get("messageType").and_then(Json::as_str), Some("Secret"));
    assert_eq!(json.get("dropped").and_then(Json::as_u64), Some(0));
}

#[test]
fn retention_bounds_the_feed_and_counts_what_was_dropped() {
    let mut d = ManualDriver::default();
    let mut inspector = attached(&mut d, InspectorConfig::new().retention(5));
    let gone = d.spawn(|| Worker);
    d.stop(gone.id()).unwrap();
    d.run_until_idle(); // spawned + stopped
    assert_eq!(inspector.take_events().events.len(), 2);
    for i in 0..12 {
        d.advance(Duration::from_millis(10));
        let _ = d.tell(&gone, Secret(["a", "b"][i % 2]));
    }
    assert_eq!(inspector.pending_events(), 5);
    let batch = inspector.take_events();
    assert_eq!((batch.events.len(), batch.dropped), (5, 7));
    // The newest are kept.
    let last = batch.events.last().unwrap().at;
    assert_eq!(last, d.now());
    let next = inspector.take_events();
    assert_eq!(
        (next.events.len(), next.dropped),
        (0, 0),
        "dropped is counted once"
    );

    // Retention 0 keeps nothing, and counts everything.
    let mut counting = attached(&mut d, InspectorConfig::new().retention(0));
    for _ in 0..3 {
        let _ = d.tell(&gone, Secret("x"));
    }
    let batch = counting.take_events();
    assert_eq!((batch.events.len(), batch.dropped), (0, 3));
    assert!(!batch.is_empty());
    counting.detach(&mut d.system);
    inspector.detach(&mut d.system);
}

#[test]
fn dead_letters_show_their_type_unless_the_hook_shows_more() {
    let message_of = |batch: &EventBatch| match &batch.events[0].kind {
        EventKind::DeadLetter {
            message_type,
            message,
            ..
        } => (*message_type, message.clone()),
        other => panic!("not a dead letter: {other:?}"),
    };
    let mut d = ManualDriver::default();
    let gone = d.spawn(|| Worker);
    d.stop(gone.id()).unwrap();
    d.run_until_idle();

    // By default: the type, never the contents.
    let mut default = attached(&mut d, InspectorConfig::new());
    let _ = d.tell(&gone, Secret("pin 1234"));
    let batch = default.take_events();
    assert_eq!(message_of(&batch), ("Secret", Some("Secret".into())));
    assert!(!batch.to_json().contains("1234"));
    default.detach(&mut d.system);

    // A hook that shows this type's contents, and masks everything else.
    let mut showing = attached(
        &mut d,
        InspectorConfig::new()
            .redact(|letter| letter.downcast_ref::<Secret>().map(|s| format!("{s:?}"))),
    );
    let _ = d.tell(&gone, Secret("pin 1234"));
    let _ = d.tell(&gone, Boom);
    let batch = showing.take_events();
    assert_eq!(
        message_of(&batch),
        ("Secret", Some("Secret(\"pin 1234\")".into()))
    );
    let json = batch.to_json();
    assert!(
        json.contains(r#""messageType":"Secret","message":"Secret(\"pin 1234\")""#),
        "{json}"
    );
    assert!(
        json.contains(r#""messageType":"Boom","message":null"#),
        "{json}"
    );
    showing.detach(&mut d.system);

    // An inspector message nobody takes is reported as one (not as an envelope).
    let mut texts = attached(
        &mut d,
        InspectorConfig::new().redact(|letter| {
            Some(match InspectorMessage::in_dead_letter(letter) {
                Some(msg) => msg.text.clone(),
                None => message_type(letter).into(),
            })
        }),
    );
    let plain = d.spawn(|| Worker);
    d.run_until_idle();
    texts.take_events();
    Inspector::apply(
        &mut d.system,
        &Request::Send {
            actor: plain.id(),
            text: "hello?".into(),
        },
    )
    .unwrap();
    d.run_until_idle();
    let batch = texts.take_events();
    assert_eq!(
        message_of(&batch),
        ("InspectorMessage", Some("hello?".into()))
    );
    assert!(matches!(
        batch.events[0].kind,
        EventKind::DeadLetter {
            reason: DeadLetterReason::Unhandled,
            ..
        }
    ));
}

#[test]
fn stop_and_send_commands_reach_actors() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let operator = {
        let log = log.clone();
        d.spawn(move || Operator(log.clone()))
    };
    d.run_until_idle();
    let mut inspector = attached(&mut d, InspectorConfig::new());
    let send = |text: &str| Request::Send {
        actor: operator.id(),
        text: text.into(),
    };
    Inspector::apply(&mut d.system, &send("hello")).unwrap();
    d.run_until_idle();
    assert_eq!(log.lines(), ["hello"]);

    // A crash on request is supervised: failed, then restarted.
    Inspector::apply(&mut d.system, &send("crash")).unwrap();
    d.run_until_idle();
    assert_eq!(kinds(&inspector.take_events()), ["failed", "restarted"]);

    Inspector::apply(
        &mut d.system,
        &Request::Stop {
            actor: operator.id(),
        },
    )
    .unwrap();
    d.run_until_idle();
    assert!(!d.is_alive(operator.id()));
    let err = Inspector::apply(
        &mut d.system,
        &Request::Stop {
            actor: operator.id(),
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "ACTOR_STOPPED");
    let err = Inspector::apply(&mut d.system, &send("late")).unwrap_err();
    assert_eq!(err.code(), "ACTOR_STOPPED");
    let nobody = ActorId::from_parts(0, 999, 0);
    let err = Inspector::apply(&mut d.system, &Request::Stop { actor: nobody }).unwrap_err();
    assert_eq!(err.code(), "NO_SUCH_ACTOR");
    let elsewhere = ActorId::from_parts(7, 0, 0);
    let err = Inspector::apply(&mut d.system, &Request::Stop { actor: elsewhere }).unwrap_err();
    assert_eq!(err.code(), "UNROUTABLE");
    inspector.detach(&mut d.system);
}
