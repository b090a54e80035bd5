//! Actor identities and typed addresses.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;

/// Which runtime (a loop, a Web Worker, a process) an actor lives in.
///
/// Every [`ActorId`] carries one, so an address stays meaningful when it crosses to another
/// runtime. A system only delivers to its own node; an id of another node is
/// [`SendError::Unroutable`](crate::SendError::Unroutable) until a transport routes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

/// The untyped identity of one actor incarnation.
///
/// An id names a registry slot *and* the generation of that slot: when an actor stops, its slot
/// may be reused by a new actor, but the generation moves on, so an old id can never reach the
/// newcomer.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActorId {
    node: NodeId,
    index: u32,
    generation: u32,
}

impl ActorId {
    pub(crate) const fn new(node: NodeId, index: u32, generation: u32) -> Self {
        ActorId {
            node,
            index,
            generation,
        }
    }

    /// The runtime this actor lives in.
    pub const fn node(&self) -> NodeId {
        self.node
    }

    /// The registry slot (meaningful only together with the generation).
    pub const fn index(&self) -> u32 {
        self.index
    }

    /// How many actors used this slot before this one (always below
    /// [`ActorId::GENERATION_LIMIT`]).
    pub const fn generation(&self) -> u32 {
        self.generation
    }

    /// Generations stay below 2²¹: a slot retires for good after that many tenants (a few
    /// bytes kept per two million spawns on one slot). With the 32-bit index, the local part of
    /// an id then fits in 53 bits, so JavaScript holds it exactly as a number
    /// ([`ActorId::local_number`]).
    pub const GENERATION_LIMIT: u32 = 1 << 21;

    /// The local part (index and generation) as one integer below 2⁵³: `generation × 2³² +
    /// index`. The node is left out: it is the receiving system's own.
    ///
    /// ```
    /// use backstage_core::{ActorId, NodeId};
    /// let id = ActorId::from_parts(0, 7, 3);
    /// assert_eq!(id.local_number(), 3 * (1 << 32) + 7);
    /// assert_eq!(ActorId::from_local_number(NodeId(0), id.local_number()), Some(id));
    /// ```
    pub const fn local_number(&self) -> u64 {
        ((self.generation as u64) << 32) | self.index as u64
    }

    /// Reads [`ActorId::local_number`] back for `node`; `None` if `number` cannot be one
    /// (its generation part is at or above the limit).
    pub const fn from_local_number(node: NodeId, number: u64) -> Option<Self> {
        let generation = number >> 32;
        if generation >= ActorId::GENERATION_LIMIT as u64 {
            return None;
        }
        Some(ActorId::new(node, number as u32, generation as u32))
    }

    /// Packs the id into a `u64` pair-free form plus the node, for wire formats and JS handles.
    pub const fn to_parts(&self) -> (u32, u32, u32) {
        (self.node.0, self.index, self.generation)
    }

    /// Rebuilds an id from [`ActorId::to_parts`]. A forged id is harmless: it resolves to no actor.
    pub const fn from_parts(node: u32, index: u32, generation: u32) -> Self {
        ActorId::new(NodeId(node), index, generation)
    }
}

impl fmt::Debug for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}.{}", self.index, self.generation)?;
        if self.node.0 != 0 {
            write!(f, "@{}", self.node.0)?;
        }
        Ok(())
    }
}

/// A typed handle to an actor of type `A`: an [`ActorId`] that only accepts the messages `A`
/// handles. It is `Copy`, `Send` and `Sync`, costs what an id costs, and owns nothing.
pub struct Addr<A> {
    id: ActorId,
    _actor: PhantomData<fn() -> A>,
}

impl<A> Addr<A> {
    pub(crate) const fn new(id: ActorId) -> Self {
        Addr {
            id,
            _actor: PhantomData,
        }
    }

    /// The untyped id behind this address.
    pub const fn id(&self) -> ActorId {
        self.id
    }
}

impl<A> Clone for Addr<A> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<A> Copy for Addr<A> {}
impl<A> PartialEq for Addr<A> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl<A> Eq for Addr<A> {}
impl<A> Hash for Addr<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state)
    }
}
impl<A> fmt::Debug for Addr<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Addr<{}>({})", crate::short_type_name::<A>(), self.id)
    }
}
impl<A> From<Addr<A>> for ActorId {
    fn from(addr: Addr<A>) -> ActorId {
        addr.id
    }
}
