//! Handlers that finish later (what a driver needs for JavaScript `async` handlers): the actor
//! pauses, takes no message until resumed, and a failure reported afterwards is supervised.

use backstage_core::*;
use backstage_tests::{assert_accounted, Log};

/// Starts "work" on `Begin`, finishing only when the test says so.
struct Worker {
    log: Log,
    pending: Option<Responder<u32>>,
}
impl Actor for Worker {
    fn restarted(
        &mut self,
        cause: &ActorError,
        _: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        self.log.push(format!("restarted: {cause}"));
        Ok(())
    }
}

struct Begin(u32);
impl Message for Begin {
    type Reply = u32;
}
impl Handler<Begin> for Worker {
    fn handle(&mut self, Begin(n): Begin, ctx: &mut Context<'_, Self>) -> Result<u32, ActorError> {
        self.log.push(format!("begin {n}"));
        self.pending = ctx.defer_reply::<u32>();
        ctx.pause();
        Ok(0)
    }
}

struct Finish(u32);
impl Message for Finish {
    type Reply = ();
}
impl Handler<Finish> for Worker {
    fn handle(&mut self, Finish(v): Finish, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.log.push(format!("finish {v}"));
        if let Some(r) = self.pending.take() {
            r.reply(v);
        }
        Ok(())
    }
}

fn worker(d: &mut ManualDriver, log: &Log) -> Addr<Worker> {
    let log = log.clone();
    d.spawn(move || Worker {
        log: log.clone(),
        pending: None,
    })
}

#[test]
fn a_paused_actor_takes_no_message_until_resumed() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let w = worker(&mut d, &log);
    let first = d.system.ask(&w, Begin(1));
    let _second = d.system.ask(&w, Begin(2));
    d.run_until_idle();
    assert_eq!(
        log.lines(),
        ["begin 1"],
        "the second message waits for the first to finish"
    );
    assert_eq!(d.actor_info(w.id()).unwrap().state, ActorState::Paused);
    assert_eq!(d.actor_info(w.id()).unwrap().mailbox_len, 1);
    // The driver finishes the first handler's work, then resumes the actor.
    let mut first = Box::pin(first);
    d.resume(w.id()).unwrap();
    d.run_until_idle();
    assert_eq!(log.lines(), ["begin 1", "begin 2"]);
    d.resume(w.id()).unwrap();
    d.tell(&w, Finish(7)).unwrap();
    d.run_until_idle();
    assert_eq!(
        d.block_on(first.as_mut()),
        Some(Err(AskError::NoReply)),
        "the first responder was replaced"
    );
}

#[test]
fn stop_overtakes_a_pause() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let w = worker(&mut d, &log);
    let ask = d.system.ask(&w, Begin(1));
    d.tell(&w, Finish(1)).unwrap();
    d.run_until_idle();
    d.stop(w.id()).unwrap();
    d.run_until_idle();
    assert!(!d.is_alive(w.id()));
    assert_eq!(d.block_on(ask), Some(Err(AskError::NoReply)));
    assert_eq!(
        d.metrics().dead_letters_for(DeadLetterReason::ActorStopped),
        1
    );
    assert_accounted(d.metrics());
}

#[test]
fn a_failure_reported_later_is_supervised_and_the_restart_clears_the_pause() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let w = worker(&mut d, &log);
    let ask = d.system.ask(&w, Begin(1));
    d.tell(&w, Finish(2)).unwrap();
    d.run_until_idle();
    // The asynchronous work failed (a rejected promise, say).
    d.system
        .fail(w.id(), "the promise rejected".into())
        .unwrap();
    d.run_until_idle();
    assert_eq!(
        log.lines(),
        ["begin 1", "restarted: the promise rejected", "finish 2"]
    );
    let info = d.actor_info(w.id()).unwrap();
    assert_eq!(
        (info.errors, info.restarts, info.state),
        (1, 1, ActorState::Running)
    );
    assert_eq!(
        d.block_on(ask),
        Some(Err(AskError::NoReply)),
        "the old instance's responder was dropped"
    );
    assert_eq!(
        d.system.fail(ActorId::from_parts(0, 99, 0), "x".into()),
        Err(SendError::NoSuchActor(ActorId::from_parts(0, 99, 0)))
    );
}
