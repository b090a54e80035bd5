//! Seed "actor to actor": a Sender that, inside its handlers, finds or creates a Receiver by
//! name and tells or asks it.
//!
//! Promise: `ctx.get_or_spawn(name, ..)` creates the receiver once and then returns the same
//! actor; messages from one sender arrive in order, with the sender's id; `ctx.ask` never
//! blocks the asking handler and its continuation gets the reply (or why there is none) later,
//! as a message to the asker.

use std::time::Duration;

use backstage_core::{
    Actor, ActorError, ActorId, Addr, AskError, Context, DeadLetterReason, Handler, ManualDriver,
    Message, Responder, Runtime, SendError, SpawnError,
};
use backstage_tests::{ask, assert_balanced, settle, Log, Record};

const RECEIVER: &str = "receiver";

/// Records what it receives: `(sender, text)`.
struct Receiver {
    got: Record<(Option<ActorId>, String)>,
    trace: Log,
    held: Vec<Responder<u32>>,
}
impl Actor for Receiver {}

struct Deliver(String);
impl Message for Deliver {
    type Reply = ();
}

/// Replies `n * 10`; fails on 0.
struct Ping(u32);
impl Message for Ping {
    type Reply = u32;
}

/// Keeps the reply channel and answers only on `Release`.
struct Hold(u32);
impl Message for Hold {
    type Reply = u32;
}

struct Release;
impl Message for Release {
    type Reply = ();
}

impl Handler<Deliver> for Receiver {
    fn handle(
        &mut self,
        Deliver(text): Deliver,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        self.got.push((ctx.sender(), text));
        Ok(())
    }
}

impl Handler<Ping> for Receiver {
    fn handle(&mut self, Ping(n): Ping, _: &mut Context<'_, Self>) -> Result<u32, ActorError> {
        self.trace.push(format!("ping {n}"));
        if n == 0 {
            return Err("ping 0".into());
        }
        Ok(n * 10)
    }
}

impl Handler<Hold> for Receiver {
    fn handle(&mut self, Hold(n): Hold, ctx: &mut Context<'_, Self>) -> Result<u32, ActorError> {
        self.trace.push(format!("hold {n}"));
        let responder = ctx.defer_reply::<u32>().expect("Hold is asked");
        self.held.push(responder);
        Ok(0)
    }
}

impl Handler<Release> for Receiver {
    fn handle(&mut self, _: Release, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        for r in self.held.drain(..) {
            r.reply(99);
        }
        Ok(())
    }
}

/// Finds (or creates) the receiver by name for every message it handles.
struct Sender {
    got: Record<(Option<ActorId>, String)>,
    trace: Log,
    replies: Vec<(u32, Result<u32, AskError>)>,
}

impl Sender {
    fn receiver(&self, ctx: &mut Context<'_, Self>) -> Result<Addr<Receiver>, SpawnError> {
        let (got, trace) = (self.got.clone(), self.trace.clone());
        ctx.get_or_spawn(RECEIVER, move || Receiver {
            got: got.clone(),
            trace: trace.clone(),
            held: Vec::new(),
        })
    }

    fn ask_then_record(&mut self, to: &Addr<Receiver>, n: u32, ctx: &mut Context<'_, Self>) {
        ctx.ask(to, Ping(n), move |this: &mut Sender, reply, _ctx| {
            this.trace.push(format!("reply {n}: {reply:?}"));
            this.replies.push((n, reply));
            Ok(())
        });
        self.trace.push(format!("asked {n}"));
    }
}
impl Actor for Sender {}

/// Tell the receiver.
struct Forward(String);
impl Message for Forward {
    type Reply = ();
}

/// Ask the receiver (found by name) `Ping(n)`.
struct AskPing(u32);
impl Message for AskPing {
    type Reply = ();
}

/// Ask this receiver `Ping(n)`.
struct AskPingAt(Addr<Receiver>, u32);
impl Message for AskPingAt {
    type Reply = ();
}

/// Ask the receiver `Hold(n)` with a timeout.
struct AskHoldWithin(u32, Duration);
impl Message for AskHoldWithin {
    type Reply = ();
}

struct Replies;
impl Message for Replies {
    type Reply = Vec<(u32, Result<u32, AskError>)>;
}

impl Handler<Forward> for Sender {
    fn handle(
        &mut self,
        Forward(text): Forward,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        let receiver = self.receiver(ctx)?;
        ctx.tell(&receiver, Deliver(text))?;
        Ok(())
    }
}

impl Handler<AskPing> for Sender {
    fn handle(
        &mut self,
        AskPing(n): AskPing,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        let receiver = self.receiver(ctx)?;
        self.ask_then_record(&receiver, n, ctx);
        Ok(())
    }
}

impl Handler<AskPingAt> for Sender {
    fn handle(
        &mut self,
        AskPingAt(to, n): AskPingAt,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        self.ask_then_record(&to, n, ctx);
        Ok(())
    }
}

impl Handler<AskHoldWithin> for Sender {
    fn handle(
        &mut self,
        AskHoldWithin(n, within): AskHoldWithin,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        let receiver = self.receiver(ctx)?;
        ctx.ask_within(
            &receiver,
            Hold(n),
            within,
            move |this: &mut Sender, reply, _ctx| {
                this.trace.push(format!("reply {n}: {reply:?}"));
                this.replies.push((n, reply));
                Ok(())
            },
        );
        Ok(())
    }
}

impl Handler<Replies> for Sender {
    fn handle(
        &mut self,
        _: Replies,
        _: &mut Context<'_, Self>,
    ) -> Result<Vec<(u32, Result<u32, AskError>)>, ActorError> {
        Ok(self.replies.clone())
    }
}

struct Fixture {
    driver: ManualDriver,
    sender: Addr<Sender>,
    got: Record<(Option<ActorId>, String)>,
    trace: Log,
}

fn fixture() -> Fixture {
    let mut driver = ManualDriver::default();
    let (got, trace) = (Record::new(), Log::default());
    let sender = driver.spawn({
        let (got, trace) = (got.clone(), trace.clone());
        move || Sender {
            got: got.clone(),
            trace: trace.clone(),
            replies: Vec::new(),
        }
    });
    Fixture {
        driver,
        sender,
        got,
        trace,
    }
}

fn texts(got: &Record<(Option<ActorId>, String)>) -> Vec<String> {
    got.snapshot().into_iter().map(|(_, t)| t).collect()
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn the_sender_creates_the_receiver_once_and_tells_it_in_order() {
    let Fixture {
        mut driver,
        sender,
        got,
        ..
    } = fixture();
    assert_eq!(driver.lookup(RECEIVER), None);

    for text in ["one", "two", "three"] {
        driver.tell(&sender, Forward(text.into())).unwrap();
    }
    settle(&mut driver);

    let receiver = driver
        .lookup(RECEIVER)
        .expect("the sender spawned the receiver");
    assert_eq!(
        driver.metrics().spawned,
        2,
        "one sender and exactly one receiver"
    );
    assert_eq!(driver.actor_info(receiver).unwrap().processed, 3);
    assert_eq!(
        got.snapshot(),
        [
            (Some(sender.id()), "one".to_string()),
            (Some(sender.id()), "two".to_string()),
            (Some(sender.id()), "three".to_string()),
        ]
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn an_existing_receiver_is_found_not_replaced() {
    let Fixture {
        mut driver,
        sender,
        got,
        trace,
    } = fixture();
    // The test creates the receiver first, under the same name.
    let existing = driver
        .get_or_spawn(RECEIVER, {
            let (got, trace) = (got.clone(), trace.clone());
            move || Receiver {
                got: got.clone(),
                trace: trace.clone(),
                held: Vec::new(),
            }
        })
        .unwrap();
    driver
        .tell(&existing, Deliver("from the test".into()))
        .unwrap();
    driver
        .tell(&sender, Forward("from the sender".into()))
        .unwrap();
    settle(&mut driver);

    assert_eq!(driver.lookup(RECEIVER), Some(existing.id()));
    assert_eq!(driver.metrics().spawned, 2);
    assert_eq!(
        got.snapshot(),
        [
            (None, "from the test".to_string()),
            (Some(sender.id()), "from the sender".to_string()),
        ]
    );
    // The name belongs to a Receiver: asking for another type is an error, not a wrong address.
    assert!(matches!(
        driver.get_or_spawn(RECEIVER, || Sender {
            got: Record::new(),
            trace: Log::default(),
            replies: Vec::new(),
        }),
        Err(SpawnError::TypeMismatch { .. })
    ));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_stopped_receiver_is_created_afresh_on_next_use() {
    let Fixture {
        mut driver,
        sender,
        got,
        ..
    } = fixture();
    driver.tell(&sender, Forward("a".into())).unwrap();
    settle(&mut driver);
    let first = driver.lookup(RECEIVER).unwrap();
    driver.stop(first).unwrap();
    settle(&mut driver);
    assert_eq!(driver.lookup(RECEIVER), None);

    driver.tell(&sender, Forward("b".into())).unwrap();
    settle(&mut driver);
    let second = driver.lookup(RECEIVER).unwrap();
    assert_ne!(first, second);
    assert!(!driver.is_alive(first));
    assert_eq!(texts(&got), ["a", "b"]);
    assert_eq!(driver.metrics().dead_letters, 0);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn ask_from_a_handler_does_not_block_and_the_reply_reaches_the_continuation() {
    let Fixture {
        mut driver,
        sender,
        trace,
        ..
    } = fixture();
    // Both asks are queued before the sender runs: it must make both before any reply comes.
    driver.tell(&sender, AskPing(1)).unwrap();
    driver.tell(&sender, AskPing(2)).unwrap();
    settle(&mut driver);

    assert_eq!(
        trace.lines(),
        [
            "asked 1",
            "asked 2",
            "ping 1",
            "ping 2",
            "reply 1: Ok(10)",
            "reply 2: Ok(20)",
        ]
    );
    assert_eq!(
        ask(&mut driver, &sender, Replies),
        Ok(vec![(1, Ok(10)), (2, Ok(20))])
    );
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_failing_or_gone_receiver_reaches_the_continuation_as_an_error() {
    let Fixture {
        mut driver,
        sender,
        got,
        trace,
    } = fixture();
    driver.tell(&sender, AskPing(0)).unwrap();
    settle(&mut driver);
    let receiver = driver.lookup_as::<Receiver>(RECEIVER).unwrap().unwrap();

    driver.stop(receiver.id()).unwrap();
    driver.run_until_idle();
    driver.tell(&sender, AskPingAt(receiver, 3)).unwrap();
    settle(&mut driver);

    assert_eq!(
        ask(&mut driver, &sender, Replies),
        Ok(vec![
            (0, Err(AskError::Failed(ActorError::new("ping 0")))),
            (3, Err(AskError::Send(SendError::Stopped(receiver.id())))),
        ])
    );
    assert!(!trace.lines().contains(&"ping 3".to_string()));
    assert!(got.is_empty());
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn an_unanswered_ask_times_out_and_the_late_reply_is_a_dead_letter() {
    let Fixture {
        mut driver,
        sender,
        trace,
        ..
    } = fixture();
    driver
        .tell(&sender, AskHoldWithin(7, Duration::from_secs(1)))
        .unwrap();
    driver.run_until_idle();
    assert_eq!(
        trace.lines(),
        ["hold 7"],
        "no reply yet, and nothing blocks"
    );

    driver.advance(Duration::from_millis(999));
    assert_eq!(trace.lines(), ["hold 7"]);
    driver.advance(Duration::from_millis(1));
    assert_eq!(trace.lines(), ["hold 7", "reply 7: Err(Timeout)"]);

    let receiver = driver.lookup_as::<Receiver>(RECEIVER).unwrap().unwrap();
    driver.tell(&receiver, Release).unwrap();
    settle(&mut driver);
    assert_eq!(trace.lines().len(), 2, "the continuation ran only once");
    assert_eq!(
        driver
            .metrics()
            .dead_letters_for(DeadLetterReason::ReplyDropped),
        1
    );
    assert_eq!(
        driver
            .dead_letters()
            .find(|d| d.reason == DeadLetterReason::ReplyDropped)
            .and_then(|d| d.downcast_ref::<u32>()),
        Some(&99)
    );
    assert_balanced(&driver.system);
}
