//! Plain threads send to actors through a `Handle`: every message arrives exactly once, and
//! asks from other threads get their replies.

use std::thread;

use backstage_core::{Actor, ActorError, Context, Handler, Message, Overflow, SpawnOptions};
use backstage_native_driver::Engine;

const THREADS: usize = 4;
const PER_THREAD: usize = 100_000;

struct Tally {
    seen: Vec<u8>,
}
impl Actor for Tally {}

struct Mark {
    thread: usize,
    seq: usize,
}
impl Message for Mark {
    type Reply = ();
}
impl Handler<Mark> for Tally {
    fn handle(&mut self, m: Mark, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let slot = &mut self.seen[m.thread * PER_THREAD + m.seq];
        *slot = slot.saturating_add(1);
        Ok(())
    }
}

struct Report;
impl Message for Report {
    type Reply = (usize, usize, usize);
}
impl Handler<Report> for Tally {
    /// (received once, never received, received more than once)
    fn handle(
        &mut self,
        _: Report,
        _: &mut Context<'_, Self>,
    ) -> Result<(usize, usize, usize), ActorError> {
        let once = self.seen.iter().filter(|&&n| n == 1).count();
        let never = self.seen.iter().filter(|&&n| n == 0).count();
        Ok((once, never, self.seen.len() - once - never))
    }
}

#[test]
fn four_threads_times_100k_messages_all_arrive_exactly_once() {
    let engine = Engine::builder().loops(2).start().unwrap();
    let handle = engine.handle();
    // Back-pressured sends: a producer faster than the actor waits instead of losing messages.
    let options = SpawnOptions::new()
        .capacity(1024)
        .overflow(Overflow::Reject);
    let tally = handle
        .spawn_with(options, || Tally {
            seen: vec![0; THREADS * PER_THREAD],
        })
        .wait()
        .unwrap();
    let producers: Vec<_> = (0..THREADS)
        .map(|thread| {
            let handle = handle.clone();
            thread::spawn(move || {
                let mut last = None;
                for seq in 0..PER_THREAD {
                    last = Some(handle.send(&tally, Mark { thread, seq }));
                    if seq % 1024 == 1023 {
                        last.take().unwrap().wait().unwrap();
                    }
                }
                if let Some(last) = last {
                    last.wait().unwrap();
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let (once, never, twice) = handle.ask(&tally, Report).wait().unwrap();
    assert_eq!((once, never, twice), (THREADS * PER_THREAD, 0, 0));
    let metrics = engine.shutdown_and_join();
    let dead: u64 = metrics.iter().map(|m| m.dead_letters).sum();
    assert_eq!(dead, 0, "no message was dropped");
}

#[test]
fn plain_tells_from_threads_arrive_in_per_thread_order() {
    struct Order {
        next: Vec<usize>,
        out_of_order: usize,
    }
    impl Actor for Order {}
    impl Handler<Mark> for Order {
        fn handle(&mut self, m: Mark, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
            if self.next[m.thread] != m.seq {
                self.out_of_order += 1;
            }
            self.next[m.thread] = m.seq + 1;
            Ok(())
        }
    }
    struct Done;
    impl Message for Done {
        type Reply = (Vec<usize>, usize);
    }
    impl Handler<Done> for Order {
        fn handle(
            &mut self,
            _: Done,
            _: &mut Context<'_, Self>,
        ) -> Result<(Vec<usize>, usize), ActorError> {
            Ok((self.next.clone(), self.out_of_order))
        }
    }
    let engine = Engine::builder().loops(1).start().unwrap();
    let handle = engine.handle();
    let options = SpawnOptions::new().capacity(1 << 20);
    let order = handle
        .spawn_with(options, || Order {
            next: vec![0; THREADS],
            out_of_order: 0,
        })
        .wait()
        .unwrap();
    let producers: Vec<_> = (0..THREADS)
        .map(|thread| {
            let handle = handle.clone();
            thread::spawn(move || {
                for seq in 0..10_000 {
                    handle.tell(&order, Mark { thread, seq }).unwrap();
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let (next, out_of_order) = handle.ask(&order, Done).wait().unwrap();
    assert_eq!(next, vec![10_000; THREADS]);
    assert_eq!(out_of_order, 0);
}
