//! [`Reply`]: a value produced on a loop thread and awaited (or waited for) on another.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::EngineError;

struct Slot<T> {
    value: Option<Result<T, EngineError>>,
    waker: Option<Waker>,
    taken: bool,
}

struct Inner<T> {
    slot: Mutex<Slot<T>>,
    ready: Condvar,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding this lock cannot leave the slot half-written: recover the guard.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The sending half; dropping it unfulfilled answers [`EngineError::Dropped`].
pub(crate) struct Sender<T>(Option<Arc<Inner<T>>>);

impl<T> Sender<T> {
    pub(crate) fn send(mut self, value: Result<T, EngineError>) {
        if let Some(inner) = self.0.take() {
            fulfil(&inner, value);
        }
    }
}

fn fulfil<T>(inner: &Inner<T>, value: Result<T, EngineError>) {
    let waker = {
        let mut slot = lock(&inner.slot);
        slot.value = Some(value);
        slot.waker.take()
    };
    inner.ready.notify_all();
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.0.take() {
            fulfil(&inner, Err(EngineError::Dropped));
        }
    }
}

/// The answer to a request made through a [`Handle`](crate::Handle): `.await` it from async
/// code, or [`wait`](Reply::wait) for it from a plain thread.
#[must_use = "a Reply does nothing unless awaited or waited for"]
pub struct Reply<T> {
    inner: Arc<Inner<T>>,
}

pub(crate) fn channel<T>() -> (Sender<T>, Reply<T>) {
    let inner = Arc::new(Inner {
        slot: Mutex::new(Slot {
            value: None,
            waker: None,
            taken: false,
        }),
        ready: Condvar::new(),
    });
    (Sender(Some(inner.clone())), Reply { inner })
}

/// A reply that is already known.
pub(crate) fn ready<T>(value: Result<T, EngineError>) -> Reply<T> {
    let (tx, rx) = channel();
    tx.send(value);
    rx
}

impl<T> Reply<T> {
    /// Blocks this thread until the answer arrives. Never call it on a loop thread: the loop
    /// that should answer may be this one.
    pub fn wait(self) -> Result<T, EngineError> {
        let mut slot = lock(&self.inner.slot);
        loop {
            if let Some(value) = take(&mut slot) {
                return value;
            }
            slot = self
                .inner
                .ready
                .wait(slot)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// [`wait`](Reply::wait) for at most `timeout`; [`EngineError::Timeout`] after that.
    pub fn wait_timeout(self, timeout: Duration) -> Result<T, EngineError> {
        let deadline = Instant::now() + timeout;
        let mut slot = lock(&self.inner.slot);
        loop {
            if let Some(value) = take(&mut slot) {
                return value;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(EngineError::Timeout);
            }
            slot = self
                .inner
                .ready
                .wait_timeout(slot, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

fn take<T>(slot: &mut Slot<T>) -> Option<Result<T, EngineError>> {
    if slot.taken {
        return Some(Err(EngineError::Dropped));
    }
    let value = slot.value.take()?;
    slot.taken = true;
    Some(value)
}

impl<T> Future for Reply<T> {
    type Output = Result<T, EngineError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = lock(&self.inner.slot);
        if let Some(value) = take(&mut slot) {
            return Poll::Ready(value);
        }
        slot.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl<T> fmt::Debug for Reply<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Reply")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_sent_from_another_thread_is_received() {
        let (tx, rx) = channel();
        std::thread::spawn(move || tx.send(Ok(7)));
        assert_eq!(rx.wait(), Ok(7));
    }

    #[test]
    fn a_dropped_sender_answers_instead_of_hanging() {
        let (tx, rx) = channel::<u8>();
        drop(tx);
        assert_eq!(rx.wait(), Err(EngineError::Dropped));
    }

    #[test]
    fn waiting_gives_up_at_the_timeout() {
        let (_tx, rx) = channel::<u8>();
        assert_eq!(
            rx.wait_timeout(Duration::from_millis(10)),
            Err(EngineError::Timeout)
        );
    }
}
