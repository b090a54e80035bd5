//! Seed "poison pill": stop an actor after what is already queued.
//!
//! Promise: a poison pill is handled in order, so the messages queued before it are processed,
//! then the actor stops (its `stopped` hook runs once); messages queued after the pill become
//! dead letters with reason `ActorStopped`, and later sends fail. `stop` instead overtakes
//! the queue: nothing queued is processed, all of it becomes dead letters.

use backstage_core::{
    Actor, ActorError, AskError, Context, DeadLetterReason, Handler, ManualDriver, Message,
    Runtime, SendError, StopReason,
};
use backstage_tests::{ask, assert_balanced, record_events, settle, Event, Log};

struct Worker {
    log: Log,
}

impl Actor for Worker {
    fn started(&mut self, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.log.push("started");
        Ok(())
    }

    fn stopped(&mut self, _: &mut Context<'_, Self>) {
        self.log.push("stopped");
    }
}

#[derive(Debug, PartialEq)]
struct Work(u32);
impl Message for Work {
    type Reply = ();
}

struct Done;
impl Message for Done {
    type Reply = usize;
}

impl Handler<Work> for Worker {
    fn handle(&mut self, Work(n): Work, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.log.push(format!("work {n}"));
        Ok(())
    }
}

impl Handler<Done> for Worker {
    fn handle(&mut self, _: Done, _: &mut Context<'_, Self>) -> Result<usize, ActorError> {
        Ok(self.log.lines().len())
    }
}

/// A started worker (its `started` hook has run).
fn worker(driver: &mut ManualDriver, log: &Log) -> backstage_core::Addr<Worker> {
    let log = log.clone();
    let addr = driver.spawn(move || Worker { log: log.clone() });
    driver.run_until_idle();
    addr
}

/// The retained dead letters of `Work` messages: (to, reason, n).
fn dead_work(
    driver: &ManualDriver,
) -> Vec<(Option<backstage_core::ActorId>, DeadLetterReason, u32)> {
    driver
        .dead_letters()
        .filter_map(|d| d.downcast_ref::<Work>().map(|w| (d.to, d.reason, w.0)))
        .collect()
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn the_pill_lets_queued_work_finish_then_stops_and_later_messages_are_dead_letters() {
    let mut driver = ManualDriver::default();
    let events = record_events(&mut driver.system);
    let log = Log::default();
    let w = worker(&mut driver, &log);

    for n in 1..=3 {
        driver.tell(&w, Work(n)).unwrap();
    }
    driver.poison(w.id()).unwrap();
    // Still alive until the pill is handled, so these are accepted ...
    assert!(driver.is_alive(w.id()));
    driver.tell(&w, Work(4)).unwrap();
    driver.tell(&w, Work(5)).unwrap();
    // ... as is an ask, which is answered with an error when the actor stops.
    let late_ask = driver.system.ask(&w, Done);
    driver.run_until_idle();

    assert_eq!(
        log.lines(),
        ["started", "work 1", "work 2", "work 3", "stopped"],
        "the three before the pill are processed, the stopped hook runs once"
    );
    assert!(!driver.is_alive(w.id()));
    assert!(driver.actor_info(w.id()).is_none());
    assert_eq!(
        driver.block_on(late_ask),
        Some(Err(AskError::Send(SendError::Stopped(w.id()))))
    );
    assert_eq!(
        dead_work(&driver),
        [
            (Some(w.id()), DeadLetterReason::ActorStopped, 4),
            (Some(w.id()), DeadLetterReason::ActorStopped, 5),
        ]
    );
    assert_eq!(
        driver
            .metrics()
            .dead_letters_for(DeadLetterReason::ActorStopped),
        3
    );
    assert_eq!(driver.metrics().dead_letters, 3);
    assert!(events.snapshot().contains(&Event::Stopped {
        id: w.id(),
        reason: StopReason::PoisonPill
    }));

    // Sends after the stop fail at once, and are dead letters too.
    assert_eq!(driver.tell(&w, Work(6)), Err(SendError::Stopped(w.id())));
    assert_eq!(driver.poison(w.id()), Err(SendError::Stopped(w.id())));
    assert_eq!(
        driver
            .metrics()
            .dead_letters_for(DeadLetterReason::ActorStopped),
        5
    );
    assert_eq!(log.lines().iter().filter(|l| *l == "stopped").count(), 1);
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn stop_overtakes_queued_messages_which_all_become_dead_letters() {
    let mut driver = ManualDriver::default();
    let events = record_events(&mut driver.system);
    let log = Log::default();
    let w = worker(&mut driver, &log);

    for n in 1..=3 {
        driver.tell(&w, Work(n)).unwrap();
    }
    driver.stop(w.id()).unwrap();
    driver.run_until_idle();

    assert_eq!(
        log.lines(),
        ["started", "stopped"],
        "nothing queued is processed"
    );
    assert!(!driver.is_alive(w.id()));
    assert_eq!(
        dead_work(&driver),
        [
            (Some(w.id()), DeadLetterReason::ActorStopped, 1),
            (Some(w.id()), DeadLetterReason::ActorStopped, 2),
            (Some(w.id()), DeadLetterReason::ActorStopped, 3),
        ]
    );
    assert_eq!(
        driver
            .metrics()
            .dead_letters_for(DeadLetterReason::ActorStopped),
        3
    );
    assert!(events.snapshot().contains(&Event::Stopped {
        id: w.id(),
        reason: StopReason::Requested
    }));
    assert_eq!(driver.stop(w.id()), Err(SendError::Stopped(w.id())));
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn stop_overtakes_a_pending_poison_pill_and_the_actor_stops_once() {
    let mut driver = ManualDriver::default();
    let log = Log::default();
    let w = worker(&mut driver, &log);

    driver.tell(&w, Work(1)).unwrap();
    driver.poison(w.id()).unwrap();
    driver.stop(w.id()).unwrap();
    driver.run_until_idle();

    assert_eq!(log.lines(), ["started", "stopped"]);
    assert_eq!(driver.metrics().stopped, 1);
    // The unprocessed pill is a dead letter too, next to the work.
    assert_eq!(
        driver
            .metrics()
            .dead_letters_for(DeadLetterReason::ActorStopped),
        2
    );
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_pill_from_an_actor_stops_its_target_after_the_work_the_actor_queued() {
    struct Boss {
        target: backstage_core::Addr<Worker>,
    }
    impl Actor for Boss {}
    struct Finish;
    impl Message for Finish {
        type Reply = ();
    }
    impl Handler<Finish> for Boss {
        fn handle(&mut self, _: Finish, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
            ctx.tell(&self.target, Work(10))?;
            ctx.tell(&self.target, Work(11))?;
            ctx.poison(self.target.id())?;
            Ok(())
        }
    }

    let mut driver = ManualDriver::default();
    let log = Log::default();
    let w = worker(&mut driver, &log);
    let boss = driver.spawn(move || Boss { target: w });
    assert_eq!(ask(&mut driver, &boss, Finish), Ok(()));
    driver.run_until_idle();

    assert_eq!(log.lines(), ["started", "work 10", "work 11", "stopped"]);
    assert!(!driver.is_alive(w.id()));
    assert!(driver.is_alive(boss.id()));
    assert_eq!(driver.metrics().dead_letters, 0);
    assert_balanced(&driver.system);
}
