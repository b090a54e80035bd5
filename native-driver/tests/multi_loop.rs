//! One loop per core: placement, names and asks across loops, watching across loops, and an
//! honest error where a context reaches across.

use std::time::Duration;

use backstage_core::{
    Actor, ActorError, ActorId, Addr, Context, Handler, Message, Runtime, SendError, SpawnError,
    SpawnOptions, StopReason,
};
use backstage_native_driver::{Engine, EngineError, Handle};

struct Where;
impl Actor for Where {}

struct WhichLoop;
impl Message for WhichLoop {
    type Reply = Option<usize>;
}
impl Handler<WhichLoop> for Where {
    fn handle(
        &mut self,
        _: WhichLoop,
        _: &mut Context<'_, Self>,
    ) -> Result<Option<usize>, ActorError> {
        Ok(Handle::current_loop())
    }
}

#[test]
fn actors_are_placed_round_robin_or_where_pinned() {
    let engine = Engine::builder().loops(3).start().unwrap();
    let h = engine.handle();
    let placed: Vec<usize> = (0..6)
        .map(|_| {
            let a = h.spawn(|| Where).wait().unwrap();
            let on = h.ask(&a, WhichLoop).wait().unwrap().unwrap();
            assert_eq!(
                h.loop_of(a.id()),
                Ok(on),
                "the id names the loop that runs the actor"
            );
            on
        })
        .collect();
    assert_eq!(placed, [0, 1, 2, 0, 1, 2]);
    let pinned = h.spawn_on(2, SpawnOptions::new(), || Where).wait().unwrap();
    assert_eq!(h.ask(&pinned, WhichLoop).wait(), Ok(Some(2)));
    assert_eq!(
        h.spawn_on(7, SpawnOptions::new(), || Where)
            .wait()
            .unwrap_err(),
        EngineError::NoSuchLoop(7)
    );
}

#[test]
fn names_resolve_from_any_loop_and_stay_unique() {
    let engine = Engine::builder().loops(2).start().unwrap();
    let h = engine.handle();
    let svc = h
        .spawn_on(1, SpawnOptions::new().name("svc"), || Where)
        .wait()
        .unwrap();
    assert_eq!(h.lookup("svc"), Some(svc.id()));
    let dup = h
        .spawn_on(0, SpawnOptions::new().name("svc"), || Where)
        .wait();
    assert_eq!(
        dup.unwrap_err(),
        EngineError::Spawn(SpawnError::NameTaken("svc".into()))
    );
    // Looked up from an actor on the other loop.
    let seen = h
        .with_system(0, |_| Handle::current().unwrap().lookup("svc"))
        .wait()
        .unwrap();
    assert_eq!(seen, Some(svc.id()));
    h.stop(svc.id()).unwrap();
    h.terminated(svc.id()).wait().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while h.lookup("svc").is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "the name was never released"
        );
        std::thread::yield_now();
    }
}

/// Forwards to a peer on another loop through the handle, and asks it from a handler.
struct Relay {
    peer: Addr<Counter>,
}
impl Actor for Relay {}

#[derive(Default)]
struct Counter(u64);
impl Actor for Counter {}

struct Add(u64);
impl Message for Add {
    type Reply = u64;
}
impl Handler<Add> for Counter {
    fn handle(&mut self, Add(n): Add, _: &mut Context<'_, Self>) -> Result<u64, ActorError> {
        self.0 += n;
        Ok(self.0)
    }
}

struct Forward(u64);
impl Message for Forward {
    type Reply = Result<(), SendError>;
}
impl Handler<Forward> for Relay {
    fn handle(
        &mut self,
        Forward(n): Forward,
        ctx: &mut Context<'_, Self>,
    ) -> Result<Result<(), SendError>, ActorError> {
        // The context only reaches its own loop, and says so.
        let direct = ctx.tell(&self.peer, Add(n));
        Handle::current()
            .expect("on a loop")
            .tell(&self.peer, Add(n))
            .unwrap();
        Ok(direct)
    }
}

#[test]
fn actors_reach_other_loops_through_the_handle() {
    let engine = Engine::builder().loops(2).start().unwrap();
    let h = engine.handle();
    let counter = h
        .spawn_on(1, SpawnOptions::new(), Counter::default)
        .wait()
        .unwrap();
    let relay = h
        .spawn_on(0, SpawnOptions::new(), move || Relay { peer: counter })
        .wait()
        .unwrap();
    let direct = h.ask(&relay, Forward(5)).wait().unwrap();
    assert_eq!(direct, Err(SendError::Unroutable(counter.id())));
    assert_eq!(
        h.ask(&counter, Add(0)).wait(),
        Ok(5),
        "the handle's tell arrived"
    );
}

#[test]
fn a_watcher_on_one_loop_learns_of_a_termination_on_another() {
    let engine = Engine::builder().loops(2).start().unwrap();
    let h = engine.handle();
    let target = h.spawn_on(1, SpawnOptions::new(), || Where).wait().unwrap();
    let watched = h.terminated(target.id());
    h.poison(target.id()).unwrap();
    assert_eq!(
        watched.wait_timeout(Duration::from_secs(5)),
        Ok(StopReason::PoisonPill)
    );
    // Already gone: answers at once.
    assert!(h
        .terminated(target.id())
        .wait_timeout(Duration::from_secs(5))
        .is_ok());
}

#[test]
fn asks_to_gone_actors_and_unknown_loops_fail_with_typed_errors() {
    let engine = Engine::builder().loops(1).start().unwrap();
    let h = engine.handle();
    let c = h.spawn(Counter::default).wait().unwrap();
    h.stop(c.id()).unwrap();
    h.terminated(c.id()).wait().unwrap();
    match h.ask(&c, Add(1)).wait() {
        Err(EngineError::Ask(backstage_core::AskError::Send(SendError::Stopped(id)))) => {
            assert_eq!(id, c.id())
        }
        other => panic!("unexpected {other:?}"),
    }
    let elsewhere = ActorId::from_parts(9, 0, 0);
    assert_eq!(h.stop(elsewhere), Err(EngineError::NoSuchLoop(9)));
    let ask = h.ask_timeout(&c, Add(1), Duration::from_millis(1)).wait();
    assert!(ask.is_err());
}
