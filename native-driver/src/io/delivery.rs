//! Handing what a socket produced to its owner, and parking it while the owner's mailbox is
//! full: the back pressure half of reading.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll, Waker};

use backstage_core::{Addr, Handler, Message, SendError, SendFuture, System};

/// Sends one kind of message to a socket's owner: a type-erased [`System::send`], so the
/// registry can hold sockets of owners of any type.
pub(super) struct Deliver<M>(Box<SendTo<M>>);

/// `System::send` to one owner.
type SendTo<M> = dyn Fn(&mut System, M) -> SendFuture;

/// The owner is gone: what was read has nowhere to go.
pub(super) struct OwnerGone;

impl<M: Message> Deliver<M> {
    pub(super) fn to<A: Handler<M>>(owner: Addr<A>) -> Self {
        Deliver(Box::new(move |system, msg| system.send(&owner, msg)))
    }
}

impl<M> Deliver<M> {
    /// Sends `msg` to the owner. `System::send` waits for mailbox space instead of failing;
    /// if it has to wait, the send is parked in `pending`, and the socket reads no more until
    /// it has gone through (see `IoRegistry::after_run`).
    pub(super) fn send(
        &self,
        system: &mut System,
        pending: &mut Option<SendFuture>,
        msg: M,
    ) -> Result<(), OwnerGone> {
        let mut send = (self.0)(system, msg);
        match poll_send(&mut send) {
            Poll::Ready(Ok(())) => Ok(()),
            Poll::Ready(Err(_)) => Err(OwnerGone),
            Poll::Pending => {
                *pending = Some(send);
                Ok(())
            }
        }
    }
}

/// Polls a send once. Nothing waits on its waker: the loop polls parked sends again after
/// each run of the system, which is when mailboxes drain.
pub(super) fn poll_send(send: &mut SendFuture) -> Poll<Result<(), SendError>> {
    Pin::new(send).poll(&mut TaskContext::from_waker(Waker::noop()))
}
