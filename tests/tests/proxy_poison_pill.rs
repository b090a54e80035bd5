//! Seed 000 "poison pill" in the proxy style: `actor.poison()` after queued calls.
//!
//! Promises: a poison pill sent through a proxy is handled in order: the calls queued before
//! it are handled, then the actor stops (its `stopped` hook runs once); calls after it are
//! dead letters and asks fail with `ACTOR_STOPPED`; `stop()` instead overtakes what is
//! queued; the id then activates a fresh actor.

use std::cell::Cell;

use backstage_core::{actor, Actor, AskError, Context, DeadLetterReason, ManualDriver, Runtime};
use backstage_tests::{reply, settle};

thread_local! {
    static STOPS: Cell<u32> = const { Cell::new(0) };
}

#[derive(Default)]
struct Worker {
    done: Vec<u32>,
}

impl Actor for Worker {
    fn stopped(&mut self, _: &mut Context<'_, Self>) {
        STOPS.with(|s| s.set(s.get() + 1));
    }
}

#[actor]
impl Worker {
    pub fn work(&mut self, job: u32) {
        self.done.push(job);
    }

    pub fn done(&self) -> Vec<u32> {
        self.done.clone()
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn the_pill_lets_queued_calls_finish_then_stops_the_actor() {
    STOPS.with(|s| s.set(0));
    let mut driver = ManualDriver::default();
    let worker = driver.actor::<Worker>("worker").unwrap();
    worker.work(1);
    worker.work(2);
    let done = worker.done();
    worker.poison();
    worker.work(3);
    let late = worker.done();

    assert_eq!(reply(&mut driver, done), Ok(vec![1, 2]));
    assert!(matches!(
        reply(&mut driver, late),
        Err(AskError::Send(backstage_core::SendError::Stopped(_)))
    ));
    assert!(!driver.is_alive(worker.id()));
    assert_eq!(STOPS.with(Cell::get), 1);
    let dead = driver.take_dead_letters();
    assert_eq!(dead.len(), 2, "work(3) and the late ask");
    assert!(dead
        .iter()
        .all(|d| d.reason == DeadLetterReason::ActorStopped));
    assert_eq!(dead[0].downcast_ref::<WorkerWork>().map(|w| w.0), Some(3));

    // The id is free again: the next use activates a fresh worker.
    let fresh = driver.actor::<Worker>("worker").unwrap();
    assert_ne!(fresh.id(), worker.id());
    assert_eq!(reply(&mut driver, fresh.done()), Ok(vec![]));
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn stop_overtakes_queued_calls() {
    STOPS.with(|s| s.set(0));
    let mut driver = ManualDriver::default();
    let worker = driver.actor::<Worker>("worker").unwrap();
    driver.run_until_idle();
    worker.work(1);
    worker.work(2);
    worker.stop();
    driver.run_until_idle();
    assert!(!driver.is_alive(worker.id()));
    assert_eq!(STOPS.with(Cell::get), 1);
    let dead = driver.take_dead_letters();
    let jobs: Vec<u32> = dead
        .iter()
        .filter_map(|d| d.downcast_ref::<WorkerWork>().map(|w| w.0))
        .collect();
    assert_eq!(jobs, [1, 2], "nothing queued was handled");
    settle(&mut driver);
}
