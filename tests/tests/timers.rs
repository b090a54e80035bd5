//! Timers are data in the core: they fire when the driver's clock passes them, in order, and
//! can be cancelled.

use std::time::Duration;

use backstage_core::*;
use backstage_tests::{assert_accounted, Log};

struct Clock(Log);
impl Actor for Clock {}

#[derive(Clone)]
struct Tick(&'static str);
impl Message for Tick {
    type Reply = ();
}
impl Handler<Tick> for Clock {
    fn handle(&mut self, Tick(label): Tick, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.0
            .push(format!("{label}@{}ms", ctx.now().as_nanos() / 1_000_000));
        Ok(())
    }
}

fn clock(d: &mut ManualDriver, log: &Log) -> Addr<Clock> {
    let log = log.clone();
    d.spawn(move || Clock(log.clone()))
}

#[test]
fn send_after_fires_once_at_its_deadline_in_deadline_order() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let c = clock(&mut d, &log);
    d.send_after(&c, Tick("b"), Duration::from_millis(20));
    d.send_after(&c, Tick("a"), Duration::from_millis(10));
    d.send_after(&c, Tick("c"), Duration::from_millis(20));
    d.advance(Duration::from_millis(9));
    assert!(log.lines().is_empty());
    d.advance(Duration::from_millis(100));
    assert_eq!(log.lines(), ["a@10ms", "b@20ms", "c@20ms"]);
    assert_eq!(d.system.next_deadline(), None);
}

#[test]
fn send_every_repeats_until_cancelled() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let c = clock(&mut d, &log);
    let timer = d.send_every(&c, Tick("t"), Duration::from_millis(10));
    d.advance(Duration::from_millis(35));
    assert_eq!(log.lines(), ["t@10ms", "t@20ms", "t@30ms"]);
    assert!(d.cancel_timer(timer));
    assert!(
        !d.cancel_timer(timer),
        "a cancelled timer cannot be cancelled twice"
    );
    d.advance(Duration::from_millis(100));
    assert_eq!(log.lines().len(), 3);
}

#[test]
fn a_cancelled_one_shot_never_fires() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let c = clock(&mut d, &log);
    let t = d.send_after(&c, Tick("never"), Duration::from_millis(5));
    assert!(d.cancel_timer(t));
    d.advance(Duration::from_millis(10));
    assert!(log.lines().is_empty());
}

#[test]
fn a_late_driver_coalesces_missed_ticks_instead_of_bursting() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let c = clock(&mut d, &log);
    d.send_every(&c, Tick("t"), Duration::from_millis(10));
    // The driver wakes 55 ms late, in one step (as a suspended laptop would).
    d.system.run(Instant::from_nanos(55_000_000), 1000);
    d.run_until_idle();
    assert_eq!(
        log.lines().len(),
        1,
        "one tick for the missed ones, not five"
    );
}

#[test]
fn a_repeating_timer_to_a_stopped_actor_dead_letters_once_and_ends() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let c = clock(&mut d, &log);
    d.send_every(&c, Tick("t"), Duration::from_millis(10));
    d.stop(c.id()).unwrap();
    d.advance(Duration::from_millis(100));
    assert_eq!(
        d.metrics().dead_letters_for(DeadLetterReason::ActorStopped),
        1
    );
    assert_eq!(d.system.next_deadline(), None, "the timer removed itself");
    assert_accounted(d.metrics());
}
