//! Bounded mailboxes: each overflow policy, and back-pressure sends that wait for space.

use std::future::Future;
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};

use backstage_core::*;
use backstage_tests::{assert_accounted, Log};

struct Sink(Log);
impl Actor for Sink {}

#[derive(Clone, Debug, PartialEq)]
struct Item(u32);
impl Message for Item {
    type Reply = ();
}
impl Handler<Item> for Sink {
    fn handle(&mut self, Item(n): Item, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.0.push(n.to_string());
        Ok(())
    }
}

fn sink(d: &mut ManualDriver, overflow: Overflow, log: &Log) -> Addr<Sink> {
    let log = log.clone();
    let options = SpawnOptions::new().capacity(3).overflow(overflow);
    let addr = d.spawn_with(options, move || Sink(log.clone())).unwrap();
    d.run_until_idle(); // started
    addr
}

fn dropped(d: &ManualDriver) -> Vec<(DeadLetterReason, u32)> {
    d.dead_letters()
        .map(|l| (l.reason, l.downcast_ref::<Item>().unwrap().0))
        .collect()
}

#[test]
fn reject_refuses_the_message_with_an_error() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let s = sink(&mut d, Overflow::Reject, &log);
    for n in 0..3 {
        d.tell(&s, Item(n)).unwrap();
    }
    assert_eq!(d.tell(&s, Item(3)), Err(SendError::MailboxFull(s.id())));
    assert_eq!(d.actor_info(s.id()).unwrap().mailbox_len, 3);
    d.run_until_idle();
    assert_eq!(log.lines(), ["0", "1", "2"]);
    assert_eq!(d.metrics().rejected, 1);
    assert_eq!(
        d.metrics().dead_letters,
        0,
        "a rejected message goes back to its sender"
    );
    assert_accounted(d.metrics());
}

#[test]
fn drop_oldest_keeps_the_newest_and_dead_letters_the_oldest() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let s = sink(&mut d, Overflow::DropOldest, &log);
    for n in 0..5 {
        d.tell(&s, Item(n)).unwrap();
    }
    d.run_until_idle();
    assert_eq!(log.lines(), ["2", "3", "4"]);
    assert_eq!(
        dropped(&d),
        [
            (DeadLetterReason::DroppedOldest, 0),
            (DeadLetterReason::DroppedOldest, 1)
        ]
    );
    assert_accounted(d.metrics());
}

#[test]
fn drop_newest_keeps_the_queue_and_dead_letters_the_newcomer() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let s = sink(&mut d, Overflow::DropNewest, &log);
    for n in 0..5 {
        d.tell(&s, Item(n)).unwrap();
    }
    d.run_until_idle();
    assert_eq!(log.lines(), ["0", "1", "2"]);
    assert_eq!(
        dropped(&d),
        [
            (DeadLetterReason::DroppedNewest, 3),
            (DeadLetterReason::DroppedNewest, 4)
        ]
    );
    assert_accounted(d.metrics());
}

#[test]
fn a_back_pressured_send_waits_for_space_then_delivers_in_order() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let s = sink(&mut d, Overflow::Reject, &log);
    for n in 0..3 {
        d.tell(&s, Item(n)).unwrap();
    }
    let mut cx = TaskContext::from_waker(Waker::noop());
    let mut waiting = pin!(d.system.send(&s, Item(3)));
    assert!(
        waiting.as_mut().poll(&mut cx).is_pending(),
        "the mailbox is full: the send waits"
    );
    let mut second = pin!(d.system.send(&s, Item(4)));
    assert!(second.as_mut().poll(&mut cx).is_pending());
    d.run_until_idle();
    assert_eq!(waiting.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    assert_eq!(second.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    assert_eq!(log.lines(), ["0", "1", "2", "3", "4"]);
    assert_eq!(d.metrics().rejected, 0);
    assert_accounted(d.metrics());
}

#[test]
fn a_send_waiting_on_an_actor_that_stops_fails_and_is_a_dead_letter() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let s = sink(&mut d, Overflow::Reject, &log);
    for n in 0..3 {
        d.tell(&s, Item(n)).unwrap();
    }
    let mut cx = TaskContext::from_waker(Waker::noop());
    let mut waiting = pin!(d.system.send(&s, Item(9)));
    assert!(waiting.as_mut().poll(&mut cx).is_pending());
    d.stop(s.id()).unwrap();
    d.run_until_idle();
    assert_eq!(
        waiting.as_mut().poll(&mut cx),
        Poll::Ready(Err(SendError::Stopped(s.id())))
    );
    assert!(log.lines().is_empty(), "stop overtakes the queued messages");
    assert_eq!(
        d.metrics().dead_letters_for(DeadLetterReason::ActorStopped),
        4
    );
    assert_accounted(d.metrics());
}

#[test]
fn a_send_with_room_completes_at_once() {
    let mut d = ManualDriver::default();
    let log = Log::default();
    let s = sink(&mut d, Overflow::Reject, &log);
    let mut cx = TaskContext::from_waker(Waker::noop());
    let mut send = pin!(d.system.send(&s, Item(1)));
    assert_eq!(send.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    let mut to_nobody = pin!(d.system.send(&Addr::<Sink>::clone(&s), Item(2)));
    assert_eq!(to_nobody.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    d.run_until_idle();
    assert_eq!(log.lines(), ["1", "2"]);
}
