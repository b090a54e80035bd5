//! Lifecycle: hooks run in order, children stop before their parents, watchers are told,
//! shutdown runs every `stopped` hook.

use std::time::Duration;

use backstage_core::*;
use backstage_tests::{assert_accounted, Log};

struct Node {
    name: String,
    depth: u32,
    log: Log,
}

impl Actor for Node {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.log.push(format!("start {}", self.name));
        if self.depth > 0 {
            for i in 0..2 {
                let (name, depth, log) = (
                    format!("{}.{i}", self.name),
                    self.depth - 1,
                    self.log.clone(),
                );
                ctx.spawn_child(move || Node {
                    name: name.clone(),
                    depth,
                    log: log.clone(),
                });
            }
        }
        Ok(())
    }

    fn stopped(&mut self, _: &mut Context<'_, Self>) {
        self.log.push(format!("stop {}", self.name));
    }
}

fn tree(d: &mut ManualDriver, log: &Log) -> Addr<Node> {
    let log = log.clone();
    let root = d.spawn(move || Node {
        name: "r".into(),
        depth: 2,
        log: log.clone(),
    });
    d.run_until_idle();
    root
}

#[test]
fn stopping_a_parent_stops_its_children_first() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let root = tree(&mut d, &log);
    assert_eq!(d.metrics().live_actors, 7);
    log.clear();
    d.stop(root.id()).unwrap();
    d.run_until_idle();
    let stops = log.lines();
    assert_eq!(stops.len(), 7);
    for (i, line) in stops.iter().enumerate() {
        let name = line.strip_prefix("stop ").unwrap();
        for later in &stops[i + 1..] {
            let later = later.strip_prefix("stop ").unwrap();
            assert!(
                !later.starts_with(&format!("{name}.")),
                "{later} stopped after its parent {name}: {stops:?}"
            );
        }
    }
    assert_eq!(stops.last().unwrap(), "stop r");
    assert_eq!(d.metrics().live_actors, 0);
}

#[test]
fn shutdown_runs_every_stopped_hook() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    tree(&mut d, &log);
    tree(&mut d, &log);
    log.clear();
    assert_eq!(d.shutdown(), 14);
    assert_eq!(
        log.lines().iter().filter(|l| l.starts_with("stop")).count(),
        14
    );
    assert!(d.actors().is_empty());
}

struct Watcher(Log);
impl Actor for Watcher {
    fn terminated(
        &mut self,
        id: ActorId,
        reason: &StopReason,
        _: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        self.0.push(format!("{id} terminated: {reason:?}"));
        Ok(())
    }
}

struct Watch(ActorId);
impl Message for Watch {
    type Reply = ();
}
impl Handler<Watch> for Watcher {
    fn handle(&mut self, Watch(id): Watch, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        ctx.watch(id);
        Ok(())
    }
}

#[test]
fn a_watcher_is_told_when_the_watched_actor_terminates() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let target = d.spawn(|| Watcher(Log::default()));
    let watcher = {
        let log = log.clone();
        d.spawn(move || Watcher(log.clone()))
    };
    d.tell(&watcher, Watch(target.id())).unwrap();
    d.run_until_idle();
    d.poison(target.id()).unwrap();
    d.run_until_idle();
    assert_eq!(
        log.lines(),
        [format!("{} terminated: PoisonPill", target.id())]
    );
    // Watching an actor that is already gone reports at once.
    d.tell(&watcher, Watch(target.id())).unwrap();
    d.run_until_idle();
    assert_eq!(log.lines().len(), 2);
    assert_accounted(d.metrics());
}

#[test]
fn a_stopped_watcher_is_forgotten_by_what_it_watched() {
    let mut d = ManualDriver::default();
    let target = d.spawn(|| Watcher(Log::default()));
    let watcher = d.spawn(|| Watcher(Log::default()));
    d.tell(&watcher, Watch(target.id())).unwrap();
    d.run_until_idle();
    d.stop(watcher.id()).unwrap();
    d.run_until_idle();
    d.stop(target.id()).unwrap();
    d.run_until_idle();
    assert_eq!(
        d.metrics().dead_letters,
        0,
        "no termination notice to a watcher that is gone"
    );
}

struct Fragile(Log);
impl Actor for Fragile {
    fn started(&mut self, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.0.push("started");
        Err("cannot start".into())
    }
    fn restarted(
        &mut self,
        cause: &ActorError,
        _: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        self.0.push(format!("restarted after {cause}"));
        Ok(())
    }
}

#[test]
fn a_failing_started_hook_is_supervised_like_a_failing_handler() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let f = {
        let log = log.clone();
        d.spawn(move || Fragile(log.clone()))
    };
    d.run_until_idle();
    assert_eq!(log.lines(), ["started", "restarted after cannot start"]);
    let info = d.actor_info(f.id()).unwrap();
    assert_eq!(
        (info.errors, info.restarts, info.state),
        (1, 1, ActorState::Running)
    );
}

#[test]
fn time_is_what_the_driver_says() {
    let mut d = ManualDriver::default();
    assert_eq!(d.now(), Instant::ZERO);
    d.advance(Duration::from_secs(3));
    assert_eq!(Runtime::now(&d.system), Instant::from_nanos(3_000_000_000));
}

#[test]
fn stopping_a_parent_of_many_children_is_linear() {
    struct Leaf;
    impl Actor for Leaf {}
    struct Hub;
    impl Actor for Hub {
        fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
            for _ in 0..50_000 {
                ctx.spawn_child(|| Leaf);
            }
            Ok(())
        }
    }
    let mut d = ManualDriver::default();
    let hub = d.spawn(|| Hub);
    d.run_until_idle();
    assert_eq!(d.metrics().live_actors, 50_001);
    let started = std::time::Instant::now();
    d.stop(hub.id()).unwrap();
    d.run_until_idle();
    assert_eq!(d.metrics().live_actors, 0);
    // Quadratic removal took seconds here; linear takes milliseconds even in a debug build.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}
