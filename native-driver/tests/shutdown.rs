//! Graceful shutdown: actors stop from the leaves up with their `stopped` hooks run, pending
//! requests are answered, and the handle refuses new work afterwards.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use backstage_core::{
    Actor, ActorError, AskError, Context, Handler, Message, Responder, SpawnOptions,
};
use backstage_native_driver::{Engine, EngineError};

type Log = Arc<Mutex<Vec<String>>>;

struct Node {
    name: String,
    depth: u32,
    log: Log,
    held: Vec<Responder<()>>,
}

impl Actor for Node {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        for i in 0..self.depth.min(1) * 2 {
            let (name, depth, log) = (
                format!("{}.{i}", self.name),
                self.depth - 1,
                self.log.clone(),
            );
            ctx.spawn_child(move || Node {
                name: name.clone(),
                depth,
                log: log.clone(),
                held: Vec::new(),
            });
        }
        Ok(())
    }

    fn stopped(&mut self, _: &mut Context<'_, Self>) {
        self.log.lock().unwrap().push(self.name.clone());
    }
}

struct Never;
impl Message for Never {
    type Reply = ();
}
impl Handler<Never> for Node {
    fn handle(&mut self, _: Never, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        // Keep the asker waiting: the shutdown must still answer it.
        self.held.extend(ctx.defer_reply::<()>());
        Ok(())
    }
}

#[test]
fn shutdown_stops_every_actor_leaves_first_and_answers_what_waits() {
    let log: Log = Arc::default();
    let engine = Engine::builder().loops(2).start().unwrap();
    let h = engine.handle();
    let mut roots = Vec::new();
    for i in 0..4 {
        let log = log.clone();
        let name = format!("r{i}");
        roots.push(
            h.spawn_with(SpawnOptions::new(), move || Node {
                name: name.clone(),
                depth: 2,
                log: log.clone(),
                held: Vec::new(),
            })
            .wait()
            .unwrap(),
        );
    }
    // Let the trees grow.
    for root in &roots {
        h.ask(root, Never)
            .wait_timeout(Duration::from_millis(1))
            .ok();
    }
    let waiting = h.ask(&roots[0], Never);
    // Make sure the request is held by the actor (not still queued) when the shutdown comes.
    h.ask(&roots[0], Never)
        .wait_timeout(Duration::from_millis(20))
        .ok();
    let metrics = engine.shutdown_and_join();
    let stopped = log.lock().unwrap().clone();
    assert_eq!(stopped.len(), 4 * 7, "every stopped hook ran: {stopped:?}");
    for (i, name) in stopped.iter().enumerate() {
        assert!(
            !stopped[i + 1..]
                .iter()
                .any(|later| later.starts_with(&format!("{name}."))),
            "{name} stopped before one of its children: {stopped:?}"
        );
    }
    let answer = waiting.wait_timeout(Duration::from_secs(5));
    assert_eq!(
        answer,
        Err(EngineError::Ask(AskError::NoReply)),
        "the held request was answered"
    );
    assert_eq!(metrics.iter().map(|m| m.live_actors).sum::<u64>(), 0);
    for m in &metrics {
        assert_eq!(m.sent, m.delivered + m.dead_letters + m.rejected, "{m:?}");
    }
}

#[test]
fn the_handle_refuses_work_after_shutdown() {
    let engine = Engine::builder().loops(1).start().unwrap();
    let h = engine.handle();
    engine.shutdown_and_join();
    assert_eq!(
        h.spawn(|| Node {
            name: "late".into(),
            depth: 0,
            log: Log::default(),
            held: Vec::new()
        })
        .wait()
        .unwrap_err(),
        EngineError::ShutDown
    );
    assert!(h.is_shutting_down());
}
