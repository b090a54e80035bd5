//! Every message that cannot be delivered is observable, with its reason, and counted.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use backstage_core::*;
use backstage_tests::{assert_accounted, Log};

struct Sink(Log);
impl Actor for Sink {}

#[derive(Clone, Debug, PartialEq)]
struct Note(u32);
impl Message for Note {
    type Reply = ();
}
impl Handler<Note> for Sink {
    fn handle(&mut self, Note(n): Note, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.0.push(format!("note {n}"));
        Ok(())
    }
}

#[test]
fn a_tell_to_a_stopped_actor_fails_and_is_a_dead_letter() {
    let mut d = ManualDriver::default();
    let sink = d.spawn(|| Sink(Log::default()));
    d.stop(sink.id()).unwrap();
    d.run_until_idle();
    assert_eq!(d.tell(&sink, Note(1)), Err(SendError::Stopped(sink.id())));
    let dead: Vec<_> = d.dead_letters().collect();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].reason, DeadLetterReason::ActorStopped);
    assert_eq!(dead[0].to, Some(sink.id()));
    assert_eq!(dead[0].downcast_ref::<Note>(), Some(&Note(1)));
    assert_accounted(d.metrics());
}

#[test]
fn a_stale_address_never_reaches_the_actor_that_reuses_its_slot() {
    let mut d = ManualDriver::default();
    let old_log = Log::default();
    let new_log = Log::default();
    let old = {
        let log = old_log.clone();
        d.spawn(move || Sink(log.clone()))
    };
    d.stop(old.id()).unwrap();
    d.run_until_idle();
    let new = {
        let log = new_log.clone();
        d.spawn(move || Sink(log.clone()))
    };
    assert_eq!(old.id().index(), new.id().index(), "the slot is reused");
    assert!(d.tell(&old, Note(1)).is_err());
    d.tell(&new, Note(2)).unwrap();
    d.run_until_idle();
    assert_eq!(new_log.lines(), ["note 2"]);
    assert!(old_log.lines().is_empty());
}

#[test]
fn an_unknown_or_foreign_id_is_a_typed_error_and_a_dead_letter() {
    let mut d = ManualDriver::default();
    let forged = ActorId::from_parts(0, 999, 0);
    assert_eq!(
        d.send_envelope(forged, Envelope::value(1u8)),
        Err(SendError::NoSuchActor(forged))
    );
    let remote = ActorId::from_parts(7, 0, 0);
    assert_eq!(
        d.send_envelope(remote, Envelope::bytes(vec![1, 2])),
        Err(SendError::Unroutable(remote))
    );
    let m = d.metrics();
    assert_eq!(m.dead_letters_for(DeadLetterReason::NoSuchActor), 1);
    assert_eq!(m.dead_letters_for(DeadLetterReason::Unroutable), 1);
    assert_accounted(m);
}

#[test]
fn an_envelope_the_actor_does_not_receive_is_unhandled() {
    let mut d = ManualDriver::default();
    let sink = d.spawn(|| Sink(Log::default()));
    d.send_envelope(sink.id(), Envelope::value("hello"))
        .unwrap();
    d.run_until_idle();
    let dead: Vec<_> = d.dead_letters().collect();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].reason, DeadLetterReason::Unhandled);
    let envelope = dead[0]
        .downcast_ref::<Envelope>()
        .expect("the envelope is kept");
    assert_eq!(envelope.payload.downcast_ref::<&str>(), Some(&"hello"));
    assert_eq!(
        d.metrics().delivered,
        0,
        "an unhandled envelope is not counted as delivered"
    );
    assert_accounted(d.metrics());
}

#[test]
fn observers_see_each_dead_letter_as_it_happens() {
    let mut d = ManualDriver::default();
    let seen = Rc::new(RefCell::new(Vec::new()));
    {
        let seen = seen.clone();
        d.observe(move |event| {
            if let SystemEvent::DeadLetter(letter) = event {
                seen.borrow_mut().push((letter.reason, letter.message_type));
            }
        });
    }
    let sink = d.spawn(|| Sink(Log::default()));
    d.stop(sink.id()).unwrap();
    d.run_until_idle();
    let _ = d.tell(&sink, Note(3));
    assert_eq!(seen.borrow().len(), 1);
    assert_eq!(seen.borrow()[0].0, DeadLetterReason::ActorStopped);
    assert!(seen.borrow()[0].1.ends_with("Note"));
}

#[test]
fn retention_bounds_the_log_but_not_the_counters() {
    let mut d = ManualDriver::new(System::with_config(SystemConfig {
        dead_letter_retention: 3,
        ..SystemConfig::default()
    }));
    let sink = d.spawn(|| Sink(Log::default()));
    d.stop(sink.id()).unwrap();
    d.run_until_idle();
    for n in 0..10 {
        let _ = d.tell(&sink, Note(n));
    }
    let kept: Vec<u32> = d
        .dead_letters()
        .map(|l| l.downcast_ref::<Note>().unwrap().0)
        .collect();
    assert_eq!(kept, [7, 8, 9]);
    assert_eq!(d.metrics().dead_letters, 10);
    assert_eq!(d.take_dead_letters().len(), 3);
    assert_eq!(d.dead_letters().count(), 0);
}

struct Slow;
impl Actor for Slow {}
struct Question;
impl Message for Question {
    type Reply = u32;
}
impl Handler<Question> for Slow {
    fn handle(&mut self, _: Question, _: &mut Context<'_, Self>) -> Result<u32, ActorError> {
        Ok(42)
    }
}

#[test]
fn a_reply_after_the_asker_gave_up_is_a_dead_letter() {
    let mut d = ManualDriver::default();
    let slow = d.spawn(|| Slow);
    // Fill the actor's turn with a stop-free backlog by not running it: the ask expires first.
    let ask = d
        .system
        .ask_within(&slow, Question, Duration::from_millis(5));
    drop(ask);
    d.run_until_idle();
    let dead: Vec<_> = d.dead_letters().collect();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].reason, DeadLetterReason::ReplyDropped);
    assert_eq!(dead[0].downcast_ref::<u32>(), Some(&42));
    assert_accounted(d.metrics());
}
