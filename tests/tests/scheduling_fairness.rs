//! The scheduler: a per-actor quantum so one busy actor cannot starve the others, a bounded
//! `run`, and stop requests that overtake queued messages.

use backstage_core::*;
use backstage_tests::Log;

struct Worker {
    name: &'static str,
    log: Log,
}
impl Actor for Worker {}

struct Job(u32);
impl Message for Job {
    type Reply = ();
}
impl Handler<Job> for Worker {
    fn handle(&mut self, Job(n): Job, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.log.push(format!("{}{n}", self.name));
        Ok(())
    }
}

fn worker(d: &mut ManualDriver, name: &'static str, log: &Log) -> Addr<Worker> {
    let log = log.clone();
    let options = SpawnOptions::new().capacity(100_000);
    d.spawn_with(options, move || Worker {
        name,
        log: log.clone(),
    })
    .unwrap()
}

#[test]
fn a_busy_actor_yields_after_its_quantum() {
    let mut d = ManualDriver::new(System::with_config(SystemConfig {
        quantum: 4,
        ..SystemConfig::default()
    }));
    let log = Log::default();
    let busy = worker(&mut d, "b", &log);
    let quiet = worker(&mut d, "q", &log);
    d.run_until_idle();
    for n in 0..10 {
        d.tell(&busy, Job(n)).unwrap();
    }
    d.tell(&quiet, Job(0)).unwrap();
    d.run_until_idle();
    let lines = log.lines();
    let quiet_at = lines.iter().position(|l| l == "q0").unwrap();
    assert_eq!(
        quiet_at, 4,
        "the quiet actor runs right after the busy one's quantum: {lines:?}"
    );
    assert_eq!(lines.len(), 11);
}

#[test]
fn run_respects_its_budget_and_reports_remaining_work() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let w = worker(&mut d, "w", &log);
    d.run_until_idle();
    for n in 0..100 {
        d.tell(&w, Job(n)).unwrap();
    }
    let report = d.system.run(Instant::ZERO, 10);
    assert_eq!(report.processed, 10);
    assert!(report.more);
    assert_eq!(log.lines().len(), 10);
    d.run_until_idle();
    assert_eq!(log.lines().len(), 100);
    assert!(!d.system.run(Instant::ZERO, 10).more);
}

#[test]
fn messages_from_one_sender_arrive_in_order() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let w = worker(&mut d, "", &log);
    for n in 0..1000 {
        d.tell(&w, Job(n)).unwrap();
    }
    d.run_until_idle();
    let expected: Vec<String> = (0..1000).map(|n| n.to_string()).collect();
    assert_eq!(log.lines(), expected);
}

#[test]
fn stop_overtakes_queued_messages() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let w = worker(&mut d, "w", &log);
    d.run_until_idle();
    for n in 0..5 {
        d.tell(&w, Job(n)).unwrap();
    }
    d.stop(w.id()).unwrap();
    d.run_until_idle();
    assert!(log.lines().is_empty());
    assert_eq!(
        d.metrics().dead_letters_for(DeadLetterReason::ActorStopped),
        5
    );
}
