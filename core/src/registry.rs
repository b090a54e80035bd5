//! The registry: actor cells in generation-checked slots, names, and the parent/child tree.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::rc::Rc;
use alloc::vec::Vec;

use crate::actor::{ActorKind, AnyActor, Factory};
use crate::ask::SendSlot;
use crate::envelope::Letter;
use crate::mailbox::Overflow;
use crate::supervision::Supervisor;
use crate::time::Instant;
use crate::topics::Topic;
use crate::{ActorId, NodeId, SendError};

/// Cell flags.
pub(crate) const SCHEDULED: u8 = 1;
pub(crate) const START_PENDING: u8 = 2;
pub(crate) const SUSPENDED: u8 = 4;
pub(crate) const STOP_REQUESTED: u8 = 8;
pub(crate) const STOPPING: u8 = 16;
pub(crate) const HAS_PARKED: u8 = 32;
/// Waiting for [`Runtime::resume`](crate::Runtime::resume): takes no messages until then.
pub(crate) const PAUSED: u8 = 64;
/// States in which a new message must not put the actor on the run queue.
pub(crate) const NOT_RUNNABLE: u8 = SCHEDULED | SUSPENDED | PAUSED;

/// A back-pressured send waiting for mailbox space.
pub(crate) struct Parked {
    pub(crate) letter: Letter,
    pub(crate) slot: SendSlot,
}

/// What most actors never need, kept out of line so an idle actor stays small.
#[derive(Default)]
pub(crate) struct Extra {
    pub(crate) name: Option<Rc<str>>,
    pub(crate) children: Vec<ActorId>,
    pub(crate) watchers: Vec<ActorId>,
    pub(crate) watching: Vec<ActorId>,
    pub(crate) subscriptions: Vec<Topic>,
    pub(crate) supervisor: Option<Supervisor>,
    pub(crate) restart_log: VecDeque<Instant>,
    pub(crate) parked: VecDeque<Parked>,
}

/// One live actor.
pub(crate) struct Cell {
    /// `None` while the actor runs (its handler borrows it) .
    pub(crate) actor: Option<Box<dyn AnyActor>>,
    pub(crate) mailbox: VecDeque<Letter>,
    pub(crate) capacity: u32,
    pub(crate) overflow: Overflow,
    pub(crate) flags: u8,
    pub(crate) errors: u32,
    pub(crate) restarts: u32,
    pub(crate) processed: u64,
    pub(crate) parent: Option<ActorId>,
    pub(crate) kind: &'static ActorKind,
    pub(crate) factory: Factory,
    pub(crate) extra: Option<Box<Extra>>,
}

impl Cell {
    #[inline]
    pub(crate) fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    pub(crate) fn extra(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Box::default)
    }

    pub(crate) fn name(&self) -> Option<&Rc<str>> {
        self.extra.as_ref()?.name.as_ref()
    }

    pub(crate) fn children(&self) -> &[ActorId] {
        self.extra.as_ref().map_or(&[], |e| &e.children)
    }
}

struct Slot {
    generation: u32,
    cell: Option<Box<Cell>>,
}

/// Slots indexed by [`ActorId::index`], checked against [`ActorId::generation`].
pub(crate) struct Registry {
    node: NodeId,
    slots: Vec<Slot>,
    free: Vec<u32>,
    pub(crate) names: BTreeMap<Rc<str>, ActorId>,
    live: usize,
}

impl Registry {
    pub(crate) fn new(node: NodeId) -> Self {
        Registry {
            node,
            slots: Vec::new(),
            free: Vec::new(),
            names: BTreeMap::new(),
            live: 0,
        }
    }

    pub(crate) fn node(&self) -> NodeId {
        self.node
    }

    pub(crate) fn live(&self) -> usize {
        self.live
    }

    /// The cell of a live actor, or why there is none.
    #[inline]
    pub(crate) fn get_mut(&mut self, id: ActorId) -> Result<&mut Cell, SendError> {
        if id.node() != self.node {
            return Err(SendError::Unroutable(id));
        }
        match self.slots.get_mut(id.index() as usize) {
            None => Err(SendError::NoSuchActor(id)),
            Some(slot) => match &mut slot.cell {
                Some(cell) if slot.generation == id.generation() => Ok(cell),
                _ => Err(SendError::Stopped(id)),
            },
        }
    }

    #[inline]
    pub(crate) fn get(&self, id: ActorId) -> Result<&Cell, SendError> {
        if id.node() != self.node {
            return Err(SendError::Unroutable(id));
        }
        match self.slots.get(id.index() as usize) {
            None => Err(SendError::NoSuchActor(id)),
            Some(slot) => match &slot.cell {
                Some(cell) if slot.generation == id.generation() => Ok(cell),
                _ => Err(SendError::Stopped(id)),
            },
        }
    }

    pub(crate) fn is_alive(&self, id: ActorId) -> bool {
        self.get(id).is_ok_and(|c| !c.has(STOPPING))
    }

    pub(crate) fn insert(&mut self, cell: Cell) -> ActorId {
        self.live += 1;
        let cell = Some(Box::new(cell));
        if let Some(index) = self.free.pop() {
            let slot = &mut self.slots[index as usize];
            slot.cell = cell;
            return ActorId::new(self.node, index, slot.generation);
        }
        let index = self.slots.len() as u32;
        self.slots.push(Slot {
            generation: 0,
            cell,
        });
        ActorId::new(self.node, index, 0)
    }

    /// Frees the slot; the generation moves on so `id` never resolves again. A slot whose
    /// next generation would reach [`ActorId::GENERATION_LIMIT`] retires instead of wrapping
    /// around (so an id is never reused at all).
    pub(crate) fn remove(&mut self, id: ActorId) -> Option<Box<Cell>> {
        let slot = self.slots.get_mut(id.index() as usize)?;
        if slot.generation != id.generation() {
            return None;
        }
        let cell = slot.cell.take()?;
        slot.generation += 1;
        if slot.generation < ActorId::GENERATION_LIMIT {
            self.free.push(id.index());
        }
        self.live -= 1;
        Some(cell)
    }

    /// Every live actor's id, in slot order.
    pub(crate) fn ids(&self) -> impl Iterator<Item = ActorId> + '_ {
        self.slots.iter().enumerate().filter_map(|(i, slot)| {
            slot.cell
                .as_ref()
                .map(|_| ActorId::new(self.node, i as u32, slot.generation))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Actor;

    struct Nobody;
    impl Actor for Nobody {}

    fn cell() -> Cell {
        Cell {
            actor: Some(Box::new(Nobody)),
            mailbox: VecDeque::new(),
            capacity: 1,
            overflow: Overflow::Reject,
            flags: 0,
            errors: 0,
            restarts: 0,
            processed: 0,
            parent: None,
            kind: ActorKind::of::<Nobody>(),
            factory: Box::new(|| Box::new(Nobody)),
            extra: None,
        }
    }

    #[test]
    fn a_slot_retires_at_the_generation_limit() {
        let mut registry = Registry::new(NodeId(0));
        let first = registry.insert(cell());
        registry.slots[0].generation = ActorId::GENERATION_LIMIT - 1;
        let last = ActorId::new(NodeId(0), first.index(), ActorId::GENERATION_LIMIT - 1);
        assert!(registry.remove(last).is_some());
        let next = registry.insert(cell());
        assert_ne!(
            next.index(),
            first.index(),
            "the retired slot is not reused"
        );
        assert!(registry.get(last).is_err());
    }

    #[test]
    fn a_reused_slot_never_answers_to_the_old_id() {
        let mut reg = Registry::new(NodeId(0));
        let old = reg.insert(cell());
        assert!(reg.remove(old).is_some());
        let new = reg.insert(cell());
        assert_eq!(old.index(), new.index());
        assert_ne!(old, new);
        assert!(matches!(reg.get(old), Err(SendError::Stopped(_))));
        assert!(reg.get(new).is_ok());
        assert!(
            reg.remove(old).is_none(),
            "a stale id must not free the new actor"
        );
        assert_eq!(reg.live(), 1);
    }

    #[test]
    fn unknown_and_foreign_ids_are_told_apart() {
        let reg = Registry::new(NodeId(0));
        assert!(matches!(
            reg.get(ActorId::from_parts(0, 7, 0)),
            Err(SendError::NoSuchActor(_))
        ));
        assert!(matches!(
            reg.get(ActorId::from_parts(3, 0, 0)),
            Err(SendError::Unroutable(_))
        ));
    }

    #[test]
    fn an_idle_actor_cell_stays_small() {
        // The per-actor budget is 256 bytes including the actor itself; the cell is most of it.
        assert!(
            core::mem::size_of::<Cell>() <= 136,
            "Cell is {} bytes",
            core::mem::size_of::<Cell>()
        );
    }
}
