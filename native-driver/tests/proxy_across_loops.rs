//! Proxy calls between loops travel in wire form (`Handle::activate`, `Handle::call`): an
//! `#[actor]` activated by id on the loop its id hashes to, called from plain threads and from
//! other loops, with the wire form's typed errors.

use std::thread;

use backstage_core::{actor, Actor};
use backstage_native_driver::{Engine, EngineError};

#[derive(Default)]
struct Counter {
    total: u64,
}
impl Actor for Counter {}

#[actor]
impl Counter {
    pub fn add(&mut self, n: u64) -> u64 {
        self.total += n;
        self.total
    }

    pub fn get(&self) -> u64 {
        self.total
    }

    pub fn fail(&mut self, why: String) -> Result<u64, String> {
        Err(why)
    }
}

#[derive(Default)]
struct Other;
impl Actor for Other {}

#[actor]
impl Other {
    pub fn ping(&self) -> String {
        "pong".into()
    }
}

#[test]
fn an_actor_activated_by_id_is_called_from_threads_across_loops() {
    let engine = Engine::builder().loops(2).start().unwrap();
    let handle = engine.handle();
    let id = handle.activate::<Counter>("counter-1").wait().unwrap();
    assert_eq!(
        handle.activate::<Counter>("counter-1").wait(),
        Ok(id),
        "the same id reaches the same actor"
    );
    assert_eq!(handle.lookup("counter-1"), Some(id));

    let threads: Vec<_> = (0..4)
        .map(|_| {
            let handle = handle.clone();
            thread::spawn(move || {
                for _ in 0..250 {
                    handle.call::<Counter, _>(id, CounterAdd(1)).wait().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(handle.call::<Counter, _>(id, CounterGet).wait(), Ok(1000));

    // Activations spread over the loops by id, and every loop reaches every actor.
    let ids: Vec<_> = (0..16)
        .map(|i| handle.activate::<Counter>(&format!("c{i}")).wait().unwrap())
        .collect();
    let loops: std::collections::BTreeSet<_> =
        ids.iter().map(|id| handle.loop_of(*id).unwrap()).collect();
    assert_eq!(loops.len(), 2, "both loops host some of them");
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(
            handle.call::<Counter, _>(*id, CounterAdd(n as u64)).wait(),
            Ok(n as u64)
        );
    }
    engine.shutdown_and_join();
}

#[test]
fn calls_across_loops_fail_with_typed_errors_naming_the_method() {
    let engine = Engine::builder().loops(2).start().unwrap();
    let handle = engine.handle();
    let id = handle.activate::<Counter>("counter").wait().unwrap();

    let failed = handle
        .call::<Counter, _>(id, CounterFail("not today".into()))
        .wait()
        .unwrap_err();
    assert_eq!(failed.code(), "HANDLER_FAILED");
    assert!(failed.to_string().contains("fail"), "{failed}");
    assert!(failed.to_string().contains("not today"), "{failed}");

    // An actor of another type at that id.
    let other = handle.activate::<Other>("other").wait().unwrap();
    let wrong = handle
        .call::<Counter, _>(other, CounterGet)
        .wait()
        .unwrap_err();
    assert_eq!(wrong.code(), "TYPE_MISMATCH", "{wrong}");
    assert_eq!(
        handle.call::<Other, _>(other, OtherPing).wait(),
        Ok("pong".into())
    );

    // A stopped actor.
    handle.stop(id).unwrap();
    handle.terminated(id).wait().unwrap();
    let gone = handle
        .call::<Counter, _>(id, CounterGet)
        .wait()
        .unwrap_err();
    assert!(matches!(gone, EngineError::Call(_)), "{gone:?}");
    assert_eq!(gone.code(), "ACTOR_STOPPED", "{gone}");
    assert!(gone.to_string().contains("get"), "{gone}");
    engine.shutdown_and_join();
}
