//! Proxy calls between loops, in wire form.
//!
//! On one loop a proxy call is a plain Rust value (`backstage_core::proxy`). Across loops it
//! crosses a thread, so [`Handle::call`] sends it as what it would be between processes: the
//! method's message is encoded here as a CBOR call frame (`backstage_core::wire`), the loop
//! that owns the actor decodes it with the actor type's [`Dispatcher`] (checked against
//! [`Limits`], so a frame from anywhere is handled alike), and the reply travels back encoded
//! and is decoded for the caller. The arguments need only be serde types, not `Send`.

use std::cell::Cell;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::time::Duration;

use backstage_core::wire::{self, Dispatch, Dispatcher, Limits, WireMessage};
use backstage_core::{Activate, ActorId, Handler};
use serde::de::DeserializeOwned;

use crate::oneshot::{self, Reply};
use crate::{EngineError, Handle};

impl Handle {
    /// The `#[actor]` `A` called `id`, activated on first use (a virtual actor): found by name
    /// on whichever loop has it, else created on the loop `id` hashes to, so callers on every
    /// thread agree where it lives.
    pub fn activate<A: Dispatch + Activate>(&self, id: &str) -> Reply<ActorId> {
        if let Some(found) = self.lookup(id) {
            return oneshot::ready(Ok(found));
        }
        let mut hasher = DefaultHasher::new();
        id.hash(&mut hasher);
        let index = (hasher.finish() % self.loops() as u64) as usize;
        let id = id.to_string();
        let (tx, rx) = oneshot::channel();
        let sent = self.command(index, move |lp| {
            let dispatcher = Dispatcher::of::<A>();
            tx.send(
                dispatcher
                    .activate(&mut lp.system, &id)
                    .map_err(EngineError::Call),
            )
        });
        match sent {
            Ok(()) => rx,
            Err(e) => oneshot::ready(Err(e)),
        }
    }

    /// Calls the method whose message is `msg` on the `#[actor]` `A` at `to`, on whichever
    /// loop owns it, in wire form (see the module documentation). Errors name the method:
    /// [`EngineError::Call`] with the wire form's codes (`UNKNOWN_METHOD`, `BAD_ARGUMENTS`,
    /// `REPLY_DECODE_FAILED`, the core's `ACTOR_STOPPED`, `HANDLER_FAILED`, …).
    pub fn call<A, M>(&self, to: ActorId, msg: M) -> Reply<M::Reply>
    where
        A: Dispatch + Handler<M>,
        M: WireMessage,
        M::Reply: DeserializeOwned + Send,
    {
        self.call_inner::<A, M>(to, msg, None)
    }

    /// [`call`](Handle::call) with a deadline on the target loop's clock.
    pub fn call_timeout<A, M>(&self, to: ActorId, msg: M, timeout: Duration) -> Reply<M::Reply>
    where
        A: Dispatch + Handler<M>,
        M: WireMessage,
        M::Reply: DeserializeOwned + Send,
    {
        self.call_inner::<A, M>(to, msg, Some(timeout))
    }

    fn call_inner<A, M>(&self, to: ActorId, msg: M, timeout: Option<Duration>) -> Reply<M::Reply>
    where
        A: Dispatch + Handler<M>,
        M: WireMessage,
        M::Reply: DeserializeOwned + Send,
    {
        let frame = match wire::encode_call(msg) {
            Ok(frame) => frame,
            Err(e) => return oneshot::ready(Err(EngineError::Call(e))),
        };
        let (tx, rx) = oneshot::channel();
        let sent = self.loop_of(to).and_then(|index| {
            self.command(index, move |lp| {
                let limits = Limits::default();
                // Answered once: by the reply, or here if the call is refused (then the reply
                // callback is dropped uncalled).
                let slot = Rc::new(Cell::new(Some(tx)));
                let answer = slot.clone();
                let refused = Dispatcher::without_activation::<A>().call(
                    &mut lp.system,
                    to,
                    &frame,
                    &limits,
                    timeout,
                    move |reply| {
                        let value =
                            reply.and_then(|bytes| wire::decode_reply::<M>(&bytes, &limits));
                        if let Some(tx) = answer.take() {
                            tx.send(value.map_err(EngineError::Call));
                        }
                    },
                );
                if let Err(e) = refused {
                    if let Some(tx) = slot.take() {
                        tx.send(Err(EngineError::Call(e)));
                    }
                }
            })
        });
        match sent {
            Ok(()) => rx,
            Err(e) => oneshot::ready(Err(e)),
        }
    }
}
