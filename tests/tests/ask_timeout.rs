//! Request/reply: timeouts, failures, deferred replies, and asks from inside handlers that
//! never block the loop.

use std::time::Duration;

use backstage_core::*;
use backstage_tests::{assert_accounted, Log};

/// Answers `Get` only when told `Release`: a stand-in for an actor waiting on something else.
#[derive(Default)]
struct Gate {
    waiting: Vec<Responder<u32>>,
}
impl Actor for Gate {}

struct Get;
impl Message for Get {
    type Reply = u32;
}
impl Handler<Get> for Gate {
    fn handle(&mut self, _: Get, ctx: &mut Context<'_, Self>) -> Result<u32, ActorError> {
        let responder = ctx
            .defer_reply::<u32>()
            .expect("an ask carries a responder");
        self.waiting.push(responder);
        Ok(0) // discarded: the reply was deferred
    }
}

struct Release(u32);
impl Message for Release {
    type Reply = ();
}
impl Handler<Release> for Gate {
    fn handle(&mut self, Release(v): Release, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        for responder in self.waiting.drain(..) {
            responder.reply(v);
        }
        Ok(())
    }
}

struct Fail;
impl Message for Fail {
    type Reply = u32;
}
impl Handler<Fail> for Gate {
    fn handle(&mut self, _: Fail, _: &mut Context<'_, Self>) -> Result<u32, ActorError> {
        Err("cannot answer that".into())
    }
}

#[test]
fn an_ask_without_a_reply_times_out_on_the_drivers_clock() {
    let mut d = ManualDriver::default();
    let gate = d.spawn(Gate::default);
    let mut ask = d.system.ask_within(&gate, Get, Duration::from_millis(50));
    d.advance(Duration::from_millis(49));
    assert_eq!(ask.try_take(), None, "not yet");
    d.advance(Duration::from_millis(1));
    assert_eq!(ask.try_take(), Some(Err(AskError::Timeout)));
    // The responder is still held; answering now is a late reply, not a lost one.
    d.tell(&gate, Release(7)).unwrap();
    d.run_until_idle();
    assert_eq!(
        d.metrics().dead_letters_for(DeadLetterReason::ReplyDropped),
        1
    );
    assert_accounted(d.metrics());
}

#[test]
fn a_deferred_reply_arrives_when_the_actor_answers() {
    let mut d = ManualDriver::default();
    let gate = d.spawn(Gate::default);
    let first = d.system.ask(&gate, Get);
    let second = d.system.ask(&gate, Get);
    d.run_until_idle();
    d.tell(&gate, Release(5)).unwrap();
    assert_eq!(d.block_on(first), Some(Ok(5)));
    assert_eq!(d.block_on(second), Some(Ok(5)));
}

#[test]
fn a_failing_handler_fails_the_ask_with_its_error() {
    let mut d = ManualDriver::default();
    let gate = d.spawn(Gate::default);
    let reply = d.system.ask(&gate, Fail);
    match d.block_on(reply) {
        Some(Err(AskError::Failed(e))) => assert_eq!(e.message(), "cannot answer that"),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn an_ask_to_a_gone_actor_resolves_at_once() {
    let mut d = ManualDriver::default();
    let gate = d.spawn(Gate::default);
    d.stop(gate.id()).unwrap();
    d.run_until_idle();
    let mut ask = d.system.ask(&gate, Get);
    assert_eq!(
        ask.try_take(),
        Some(Err(AskError::Send(SendError::Stopped(gate.id()))))
    );
}

#[test]
fn an_actor_that_stops_with_unanswered_asks_answers_them_with_errors() {
    let mut d = ManualDriver::default();
    let gate = d.spawn(Gate::default);
    let held = d.system.ask(&gate, Get);
    d.run_until_idle();
    d.stop(gate.id()).unwrap();
    assert_eq!(
        d.block_on(held),
        Some(Err(AskError::NoReply)),
        "the dropped responder answers"
    );
    // Queued asks at stop time are dead letters whose askers are told the actor stopped.
    let queued = d.system.ask(&gate, Get);
    let mut queued = Box::pin(queued);
    d.run_until_idle();
    assert_eq!(
        d.block_on(queued.as_mut()),
        Some(Err(AskError::Send(SendError::Stopped(gate.id()))))
    );
}

/// Asks the gate from inside its handlers, through a continuation.
struct Client {
    gate: Addr<Gate>,
    log: Log,
}
impl Actor for Client {}

struct Go(Duration);
impl Message for Go {
    type Reply = ();
}
impl Handler<Go> for Client {
    fn handle(&mut self, Go(timeout): Go, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.log.push("asking");
        ctx.ask_within(
            &self.gate,
            Get,
            timeout,
            |this: &mut Client, reply, _ctx| {
                this.log.push(format!("reply {reply:?}"));
                Ok(())
            },
        );
        self.log.push("handler returned");
        Ok(())
    }
}

struct Ping;
impl Message for Ping {
    type Reply = ();
}
impl Handler<Ping> for Client {
    fn handle(&mut self, _: Ping, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.log.push("ping");
        Ok(())
    }
}

#[test]
fn an_actor_waiting_for_a_reply_keeps_handling_messages() {
    let mut d = ManualDriver::default();
    let gate = d.spawn(Gate::default);
    let log = Log::default();
    let client = {
        let log = log.clone();
        d.spawn(move || Client {
            gate,
            log: log.clone(),
        })
    };
    d.tell(&client, Go(Duration::from_secs(1))).unwrap();
    d.run_until_idle();
    d.tell(&client, Ping).unwrap();
    d.run_until_idle();
    d.tell(&gate, Release(9)).unwrap();
    d.run_until_idle();
    assert_eq!(
        log.lines(),
        ["asking", "handler returned", "ping", "reply Ok(9)"]
    );
    assert_accounted(d.metrics());
}

#[test]
fn an_actors_ask_times_out_into_its_continuation() {
    let mut d = ManualDriver::default();
    let gate = d.spawn(Gate::default);
    let log = Log::default();
    let client = {
        let log = log.clone();
        d.spawn(move || Client {
            gate,
            log: log.clone(),
        })
    };
    d.tell(&client, Go(Duration::from_millis(10))).unwrap();
    d.advance(Duration::from_millis(10));
    assert_eq!(
        log.lines(),
        ["asking", "handler returned", "reply Err(Timeout)"]
    );
}

#[test]
fn an_actors_ask_to_a_gone_actor_reaches_its_continuation_as_an_error() {
    let mut d = ManualDriver::default();
    let gate = d.spawn(Gate::default);
    d.stop(gate.id()).unwrap();
    d.run_until_idle();
    let log = Log::default();
    let client = {
        let log = log.clone();
        d.spawn(move || Client {
            gate,
            log: log.clone(),
        })
    };
    d.tell(&client, Go(Duration::from_secs(1))).unwrap();
    d.run_until_idle();
    assert_eq!(
        log.lines()[2],
        format!(
            "reply {:?}",
            Err::<u32, _>(AskError::Send(SendError::Stopped(gate.id())))
        )
    );
}

#[test]
fn a_callback_ask_is_called_once_with_the_reply_or_the_timeout() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let mut d = ManualDriver::default();
    let gate = d.spawn(Gate::default);
    let results = Rc::new(RefCell::new(Vec::new()));
    for timeout in [None, Some(Duration::from_millis(10))] {
        let results = results.clone();
        d.system
            .ask_callback(&gate, Get, timeout, move |r| results.borrow_mut().push(r));
    }
    d.advance(Duration::from_millis(10));
    assert_eq!(*results.borrow(), [Err(AskError::Timeout)]);
    d.tell(&gate, Release(3)).unwrap();
    d.run_until_idle();
    assert_eq!(*results.borrow(), [Err(AskError::Timeout), Ok(3)]);
    assert_eq!(
        d.metrics().dead_letters_for(DeadLetterReason::ReplyDropped),
        1
    );
}

#[test]
fn an_answered_ask_leaves_no_timer_behind() {
    let mut d = ManualDriver::default();
    let gate = d.spawn(Gate::default);
    let ask = d.system.ask_within(&gate, Fail, Duration::from_secs(30));
    assert!(d.system.next_deadline().is_some());
    assert!(d.block_on(ask).is_some());
    // A driver arms a host timer for next_deadline: an answered ask must not keep one armed.
    assert_eq!(d.system.next_deadline(), None);
}

#[test]
fn a_callback_ask_from_a_handler_is_sent_at_once_with_the_actor_as_sender() {
    use std::cell::RefCell;
    use std::rc::Rc;

    struct Echo;
    impl Actor for Echo {}
    struct Who;
    impl Message for Who {
        type Reply = Option<ActorId>;
    }
    impl Handler<Who> for Echo {
        fn handle(
            &mut self,
            _: Who,
            ctx: &mut Context<'_, Self>,
        ) -> Result<Option<ActorId>, ActorError> {
            Ok(ctx.sender())
        }
    }
    struct Asker {
        echo: Addr<Echo>,
        seen: Rc<RefCell<Vec<Option<ActorId>>>>,
    }
    impl Actor for Asker {}
    impl Handler<Who> for Asker {
        fn handle(
            &mut self,
            _: Who,
            ctx: &mut Context<'_, Self>,
        ) -> Result<Option<ActorId>, ActorError> {
            let seen = self.seen.clone();
            ctx.ask_callback(&self.echo, Who, None, move |r| {
                seen.borrow_mut().push(r.unwrap())
            });
            Ok(None)
        }
    }
    let mut d = ManualDriver::default();
    let echo = d.spawn(|| Echo);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let asker = {
        let seen = seen.clone();
        d.spawn(move || Asker {
            echo,
            seen: seen.clone(),
        })
    };
    d.tell(&asker, Who).unwrap();
    d.run_until_idle();
    assert_eq!(*seen.borrow(), [Some(asker.id())]);
}
