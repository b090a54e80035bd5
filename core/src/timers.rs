//! Timers as data: deadlines in a heap, fired by the scheduler when the driver's clock says so.

use alloc::boxed::Box;
use alloc::collections::BinaryHeap;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cmp::Reverse;
use core::time::Duration;

use crate::ask::Expire;
use crate::envelope::Letter;
use crate::mailbox::Route;
use crate::system::Core;
use crate::time::Instant;
use crate::ActorId;

/// Identifies a scheduled timer, for [`Runtime::cancel_timer`](crate::Runtime::cancel_timer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimerId {
    index: u32,
    generation: u32,
}

pub(crate) enum TimerAction {
    /// Deliver one letter.
    Once { to: ActorId, letter: Letter },
    /// Deliver a fresh letter every `every`, until cancelled or the target is gone.
    Every {
        to: ActorId,
        every: Duration,
        make: Box<dyn FnMut() -> Letter>,
    },
    /// Time out an ask.
    Expire(Rc<dyn Expire>),
}

struct Entry {
    generation: u32,
    action: Option<TimerAction>,
}

/// Pending timers: a min-heap of deadlines over generation-checked entries, so cancelling is
/// O(1) and a cancelled deadline is skipped when it surfaces.
#[derive(Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(Instant, u64, u32, u32)>>,
    entries: Vec<Entry>,
    free: Vec<u32>,
    seq: u64,
    live: usize,
}

impl Timers {
    pub(crate) fn add(&mut self, at: Instant, action: TimerAction) -> TimerId {
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.entries.push(Entry {
                    generation: 0,
                    action: None,
                });
                (self.entries.len() - 1) as u32
            }
        };
        let entry = &mut self.entries[index as usize];
        entry.action = Some(action);
        let generation = entry.generation;
        self.live += 1;
        self.push(at, index, generation);
        TimerId { index, generation }
    }

    fn push(&mut self, at: Instant, index: u32, generation: u32) {
        // The sequence number keeps timers with equal deadlines in the order they were set.
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, index, generation)));
    }

    pub(crate) fn cancel(&mut self, id: TimerId) -> bool {
        match self.entries.get_mut(id.index as usize) {
            Some(entry) if entry.generation == id.generation && entry.action.is_some() => {
                self.release(id.index);
                true
            }
            _ => false,
        }
    }

    fn release(&mut self, index: u32) -> Option<TimerAction> {
        let entry = &mut self.entries[index as usize];
        let action = entry.action.take();
        entry.generation = entry.generation.wrapping_add(1);
        self.free.push(index);
        self.live -= 1;
        action
    }

    /// The earliest live deadline.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(Reverse((at, _, index, generation))) = self.heap.peek().copied() {
            if self.entries[index as usize].generation == generation {
                return Some(at);
            }
            self.heap.pop();
        }
        None
    }

    /// Removes and returns the next timer due at `now`. A repeating timer stays scheduled.
    fn pop_due(&mut self, now: Instant) -> Option<(TimerId, Instant, TimerAction)> {
        let at = self.next_deadline().filter(|at| *at <= now)?;
        let Reverse((_, _, index, generation)) = self.heap.pop()?;
        let id = TimerId { index, generation };
        let action = self.release(index)?;
        Some((id, at, action))
    }

    /// Puts a repeating timer back under its old id with a new deadline.
    fn rearm(&mut self, id: TimerId, at: Instant, action: TimerAction) {
        // Reclaim the entry we just released (it is the last freed index).
        if self.free.last() == Some(&id.index) {
            self.free.pop();
            let entry = &mut self.entries[id.index as usize];
            entry.generation = id.generation;
            entry.action = Some(action);
            self.live += 1;
            self.push(at, id.index, id.generation);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.live
    }
}

impl Core {
    /// Fires every timer due at the current time, in deadline order.
    pub(crate) fn fire_timers(&mut self) {
        let now = self.now;
        while let Some((id, at, action)) = self.timers.pop_due(now) {
            match action {
                TimerAction::Once { to, letter } => {
                    let _ = self.enqueue(to, letter, Route::Forward);
                }
                TimerAction::Expire(pending) => pending.expire(),
                TimerAction::Every {
                    to,
                    every,
                    mut make,
                } => {
                    let delivered = self.enqueue(to, make(), Route::Forward);
                    let target_gone = delivered.is_err() && !self.registry.is_alive(to);
                    if !target_gone {
                        // Missed ticks are coalesced: a late loop fires once, not in a burst.
                        let mut next = at + every.max(Duration::from_nanos(1));
                        if next <= now {
                            next = now + every.max(Duration::from_nanos(1));
                        }
                        self.timers
                            .rearm(id, next, TimerAction::Every { to, every, make });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ask::Pending;

    struct Nothing;
    impl Expire for Nothing {
        fn expire(&self) {}
    }

    fn expire() -> TimerAction {
        TimerAction::Expire(Rc::new(Nothing))
    }

    #[test]
    fn deadlines_come_out_in_order_and_ties_in_insertion_order() {
        let mut t = Timers::default();
        let late = t.add(Instant::from_nanos(30), expire());
        let first = t.add(Instant::from_nanos(10), expire());
        let second = t.add(Instant::from_nanos(10), expire());
        assert_eq!(t.next_deadline(), Some(Instant::from_nanos(10)));
        let order: Vec<TimerId> =
            core::iter::from_fn(|| t.pop_due(Instant::from_nanos(100)).map(|(id, _, _)| id))
                .collect();
        assert_eq!(order, [first, second, late]);
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn cancelled_timers_never_fire_and_stale_ids_cancel_nothing() {
        let mut t = Timers::default();
        let a = t.add(Instant::from_nanos(5), expire());
        assert!(t.cancel(a));
        assert!(!t.cancel(a));
        let b = t.add(Instant::from_nanos(7), expire());
        assert_eq!(a.index, b.index, "the slot is reused");
        assert!(!t.cancel(a), "an old id must not cancel the new timer");
        assert_eq!(t.next_deadline(), Some(Instant::from_nanos(7)));
        assert!(t.pop_due(Instant::from_nanos(6)).is_none());
        assert!(t.pop_due(Instant::from_nanos(7)).is_some());
    }

    #[test]
    fn an_unused_pending_reply_type_still_expires() {
        let shared = Rc::new(crate::ask::Shared::new());
        let pending = Pending::<u8>::for_task(shared);
        let mut t = Timers::default();
        t.add(Instant::from_nanos(1), TimerAction::Expire(pending.clone()));
        let (_, _, action) = t.pop_due(Instant::from_nanos(1)).unwrap();
        if let TimerAction::Expire(p) = action {
            p.expire();
        }
        let mut ask = crate::Ask::new(pending);
        assert_eq!(ask.try_take(), Some(Err(crate::AskError::Timeout)));
    }
}
