//! Request/reply: [`Ask`] futures for code outside actors, continuations for actors, and the
//! [`Responder`] a handler can keep to answer later.
//!
//! A reply never needs the system to be borrowed: completion writes into a shared
//! [`Pending`] slot and, where the asker is an actor or the reply is late, into the system's
//! ready queue, which the scheduler drains between actor turns.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::any::type_name;
use core::cell::RefCell;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context as TaskContext, Poll, Waker};

use crate::envelope::Letter;
use crate::metrics::{DeadLetter, DeadLetterReason};
use crate::{ActorId, AskError, SendError};

/// Work produced outside the scheduler that it must pick up.
pub(crate) enum Ready {
    /// A reply (or its failure) for an actor's continuation.
    Resume { to: ActorId, letter: Letter },
    /// A reply nobody waits for any more.
    Dead(DeadLetter),
    /// The ask this timer would expire has completed: the timer is no longer needed (a driver
    /// would otherwise keep a host timer armed for nothing).
    CancelTimer(crate::TimerId),
}

/// The part of the system that replies and wake-ups can reach without borrowing it.
pub(crate) struct Shared {
    pub(crate) ready: RefCell<VecDeque<Ready>>,
    pub(crate) pender: RefCell<Option<Rc<dyn Fn()>>>,
    /// Replies dropped while a handler panicked: answered with the panic once it is caught.
    pub(crate) unwound: RefCell<Vec<Rc<dyn ErasedReply>>>,
    /// What handles ([`ActorRef`](crate::ActorRef), proxies) sent, in order, until the
    /// scheduler drains it (see `proxy::Queued`).
    pub(crate) ops: RefCell<Vec<Box<dyn crate::proxy::Queued>>>,
}

impl Shared {
    pub(crate) fn new() -> Self {
        Shared {
            ready: RefCell::new(VecDeque::new()),
            pender: RefCell::new(None),
            unwound: RefCell::new(Vec::new()),
            ops: RefCell::new(Vec::new()),
        }
    }

    pub(crate) fn push(&self, item: Ready) {
        self.ready.borrow_mut().push_back(item);
        self.pend();
    }

    /// Queues what a handle sent. Tells the driver only when the queue was empty: a
    /// non-empty queue has been announced already and not drained since.
    #[inline]
    pub(crate) fn push_op(&self, op: Box<dyn crate::proxy::Queued>) {
        let mut ops = self.ops.borrow_mut();
        let was_empty = ops.is_empty();
        ops.push(op);
        drop(ops);
        if was_empty {
            self.pend();
        }
    }

    /// Tells the driver there is work (see [`System::set_pender`](crate::System::set_pender)).
    pub(crate) fn pend(&self) {
        let pender = self.pender.borrow().clone();
        if let Some(pender) = pender {
            pender();
        }
    }
}

enum Waiter<R> {
    /// An [`Ask`] future (its waker, once polled).
    Task(Option<Waker>),
    /// A callback, called with the result where it completes (the driver's bridge to a thread
    /// or a JS promise).
    Callback(Box<dyn FnOnce(Result<R, AskError>)>),
    /// An actor's continuation: builds the letter that carries the reply into its mailbox.
    Actor {
        asker: ActorId,
        resume: Box<dyn FnOnce(Result<R, AskError>) -> Letter>,
    },
}

enum State<R> {
    Waiting(Waiter<R>),
    Done(Result<R, AskError>),
    /// Taken, or abandoned by the asker.
    Closed,
}

/// The slot one reply goes into.
pub(crate) struct Pending<R> {
    state: RefCell<State<R>>,
    shared: Rc<Shared>,
    /// The timer that expires this ask, if it has a deadline.
    timer: core::cell::Cell<Option<crate::TimerId>>,
}

impl<R: 'static> Pending<R> {
    pub(crate) fn for_task(shared: Rc<Shared>) -> Rc<Self> {
        Rc::new(Pending {
            state: RefCell::new(State::Waiting(Waiter::Task(None))),
            shared,
            timer: core::cell::Cell::new(None),
        })
    }

    pub(crate) fn for_callback(
        shared: Rc<Shared>,
        callback: Box<dyn FnOnce(Result<R, AskError>)>,
    ) -> Rc<Self> {
        Rc::new(Pending {
            state: RefCell::new(State::Waiting(Waiter::Callback(callback))),
            shared,
            timer: core::cell::Cell::new(None),
        })
    }

    pub(crate) fn for_actor(
        shared: Rc<Shared>,
        asker: ActorId,
        resume: Box<dyn FnOnce(Result<R, AskError>) -> Letter>,
    ) -> Rc<Self> {
        Rc::new(Pending {
            state: RefCell::new(State::Waiting(Waiter::Actor { asker, resume })),
            shared,
            timer: core::cell::Cell::new(None),
        })
    }

    pub(crate) fn set_timer(&self, timer: crate::TimerId) {
        self.timer.set(Some(timer));
    }

    /// Delivers the result to whoever waits. A result that arrives after the asker gave up
    /// becomes a dead letter (if it is a value).
    pub(crate) fn complete(&self, result: Result<R, AskError>) {
        if let Some(timer) = self.timer.take() {
            self.shared.push(Ready::CancelTimer(timer));
        }
        let previous = core::mem::replace(&mut *self.state.borrow_mut(), State::Closed);
        match previous {
            State::Waiting(Waiter::Task(waker)) => {
                *self.state.borrow_mut() = State::Done(result);
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
            State::Waiting(Waiter::Callback(callback)) => callback(result),
            State::Waiting(Waiter::Actor { asker, resume }) => {
                let letter = resume(result);
                self.shared.push(Ready::Resume { to: asker, letter });
            }
            done @ (State::Done(_) | State::Closed) => {
                *self.state.borrow_mut() = done;
                if let Ok(value) = result {
                    self.shared.push(Ready::Dead(DeadLetter {
                        to: None,
                        from: None,
                        reason: DeadLetterReason::ReplyDropped,
                        message_type: type_name::<R>(),
                        message: Some(Box::new(value)),
                    }));
                }
            }
        }
    }

    fn is_waiting(&self) -> bool {
        matches!(*self.state.borrow(), State::Waiting(_))
    }

    /// Hands the result of an [`Ask`] future to an actor's continuation instead (see
    /// [`Ask::then`]): at once if it is already there, else when it arrives.
    fn redirect(&self, asker: ActorId, resume: Box<dyn FnOnce(Result<R, AskError>) -> Letter>) {
        let mut state = self.state.borrow_mut();
        match core::mem::replace(&mut *state, State::Closed) {
            State::Waiting(Waiter::Task(_)) => {
                *state = State::Waiting(Waiter::Actor { asker, resume });
            }
            State::Done(result) => {
                drop(state);
                let letter = resume(result);
                self.shared.push(Ready::Resume { to: asker, letter });
            }
            other => *state = other,
        }
    }
}

/// Lets timers expire a pending reply without knowing its type.
pub(crate) trait Expire {
    fn expire(&self);
}

impl<R: 'static> Expire for Pending<R> {
    fn expire(&self) {
        if self.is_waiting() {
            self.complete(Err(AskError::Timeout));
        }
    }
}

/// The sending half of one reply. Dropping it unanswered answers [`AskError::NoReply`], so an
/// asker never waits forever on a request that was lost.
pub(crate) struct ReplyTo<R: 'static>(Option<Rc<Pending<R>>>);

impl<R: 'static> ReplyTo<R> {
    pub(crate) fn new(pending: Rc<Pending<R>>) -> Self {
        ReplyTo(Some(pending))
    }

    pub(crate) fn send(mut self, value: R) {
        if let Some(p) = self.0.take() {
            p.complete(Ok(value));
        }
    }

    pub(crate) fn fail(mut self, err: AskError) {
        if let Some(p) = self.0.take() {
            p.complete(Err(err));
        }
    }
}

impl<R: 'static> Drop for ReplyTo<R> {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            #[cfg(feature = "std")]
            if std::thread::panicking() && p.is_waiting() {
                let shared = p.shared.clone();
                return shared.unwound.borrow_mut().push(p);
            }
            p.fail_unanswered(AskError::NoReply);
        }
    }
}

/// A pending reply of unknown type, as a `Context` holds it during a handler.
pub(crate) trait ErasedReply {
    /// Answers `err` if nobody answered yet.
    fn fail_unanswered(&self, err: AskError);
}

impl<R: 'static> ErasedReply for Pending<R> {
    fn fail_unanswered(&self, err: AskError) {
        if self.is_waiting() {
            self.complete(Err(err));
        }
    }
}

/// Answers a request later, after the handler has returned (taken with
/// [`Context::defer_reply`](crate::Context::defer_reply)).
///
/// Dropping it without answering gives the asker [`AskError::NoReply`].
pub struct Responder<R: 'static>(pub(crate) ReplyTo<R>);

impl<R: 'static> Responder<R> {
    /// Sends the reply.
    pub fn reply(self, value: R) {
        self.0.send(value)
    }

    /// Answers with a failure instead of a value.
    pub fn fail(self, error: crate::ActorError) {
        self.0.fail(AskError::Failed(error))
    }
}

impl<R> fmt::Debug for Responder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Responder<{}>", type_name::<R>())
    }
}

/// The reply to an [`ask`](crate::System::ask), as a future.
///
/// It resolves once the actor has handled the message (the driver must run the system for that
/// to happen). Dropping it abandons the request: a later reply becomes a dead letter with
/// reason [`ReplyDropped`](DeadLetterReason::ReplyDropped).
#[must_use = "an Ask does nothing unless awaited or polled"]
pub struct Ask<R: 'static> {
    pending: Rc<Pending<R>>,
}

impl<R: 'static> Ask<R> {
    pub(crate) fn new(pending: Rc<Pending<R>>) -> Self {
        Ask { pending }
    }

    /// The result, if it is already there (without waiting).
    pub fn try_take(&mut self) -> Option<Result<R, AskError>> {
        let mut state = self.pending.state.borrow_mut();
        match core::mem::replace(&mut *state, State::Closed) {
            State::Done(result) => Some(result),
            State::Closed => Some(Err(AskError::Consumed)),
            waiting => {
                *state = waiting;
                None
            }
        }
    }
}

impl<R: 'static> Future for Ask<R> {
    type Output = Result<R, AskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(result) = this.try_take() {
            return Poll::Ready(result);
        }
        if let State::Waiting(Waiter::Task(waker)) = &mut *this.pending.state.borrow_mut() {
            match waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => *waker = Some(cx.waker().clone()),
            }
        }
        Poll::Pending
    }
}

impl<R: 'static> Ask<R> {
    /// Hands the reply to a continuation of the actor whose handler runs, as
    /// [`Context::ask`](crate::Context::ask) does: the handler returns at once, and `then` runs
    /// later as a message to this actor. For asks made through an [`ActorRef`](crate::ActorRef)
    /// or a proxy inside a handler, which cannot await.
    pub fn then<A, F>(self, ctx: &mut crate::Context<'_, A>, then: F)
    where
        A: crate::Actor,
        F: FnOnce(
                &mut A,
                Result<R, AskError>,
                &mut crate::Context<'_, A>,
            ) -> Result<(), crate::ActorError>
            + 'static,
    {
        let resume = Box::new(move |result| {
            let body = crate::envelope::Resume::<A, R, F> {
                then,
                result,
                _actor: core::marker::PhantomData,
            };
            Letter::new(None, Box::new(body))
        });
        self.pending.redirect(ctx.id(), resume);
    }
}

impl<R: 'static> Drop for Ask<R> {
    fn drop(&mut self) {
        let mut state = self.pending.state.borrow_mut();
        // Only a future's own waiter is abandoned: after `then` the continuation waits on.
        if matches!(*state, State::Waiting(Waiter::Task(_))) {
            *state = State::Closed;
        }
    }
}

impl<R> fmt::Debug for Ask<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ask<{}>", type_name::<R>())
    }
}

/// The shared state of a back-pressured send.
pub(crate) enum SendState {
    Waiting(Option<Waker>),
    Done(Result<(), SendError>),
    Taken,
}

pub(crate) type SendSlot = Rc<RefCell<SendState>>;

pub(crate) fn finish_send(slot: &SendSlot, result: Result<(), SendError>) {
    let previous = core::mem::replace(&mut *slot.borrow_mut(), SendState::Done(result));
    if let SendState::Waiting(Some(waker)) = previous {
        waker.wake();
    }
}

/// A send that waits for mailbox space: see [`System::send`](crate::System::send).
#[must_use = "a SendFuture does nothing unless awaited or polled"]
pub struct SendFuture {
    pub(crate) slot: SendSlot,
}

impl Future for SendFuture {
    type Output = Result<(), SendError>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let mut state = self.slot.borrow_mut();
        match &mut *state {
            SendState::Waiting(waker) => {
                *waker = Some(cx.waker().clone());
                Poll::Pending
            }
            SendState::Done(_) => match core::mem::replace(&mut *state, SendState::Taken) {
                SendState::Done(result) => Poll::Ready(result),
                _ => Poll::Pending,
            },
            SendState::Taken => Poll::Pending,
        }
    }
}

impl fmt::Debug for SendFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendFuture")
    }
}
