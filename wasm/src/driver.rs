//! The driver: runs a [`System`] on the JavaScript event loop.
//!
//! - [`Driver::kick`] schedules a *drain* with `queueMicrotask` (once: a scheduled or running
//!   drain absorbs further kicks).
//! - A drain calls [`System::run`]`(now, step)` until the system is idle or the drain has
//!   lasted `slice_ms` (a time slice, not a message count: handlers differ in cost by orders
//!   of magnitude, and a yield costs a browser as much as a few hundred cheap messages). If
//!   work remains, the next drain is a *macrotask* (`setImmediate` in Node, a
//!   `MessageChannel` message in browsers and workers, else `setTimeout(0)`), so rendering,
//!   input and the host's timers are never starved.
//!   Otherwise one `setTimeout` is armed for the earliest core timer (re-armed only when that
//!   deadline changes).
//! - The core's pender is [`Driver::kick`]: it only schedules, so it is safe to call while the
//!   system is borrowed.
//!
//! # Re-entrancy
//!
//! JavaScript handlers run inside [`System::run`], while the driver holds the system mutably.
//! A handler that calls back into the runtime (`tell`, `spawn`, `stop`, ...) must not borrow
//! it again. So while the core runs a JavaScript hook or handler, [`Driver::enter`] puts a raw
//! pointer to the hook's [`Context`] into [`Driver::active`], and every exported operation goes
//! through [`Driver::with_ops`]: the active context if there is one, else the system.
//!
//! Work that needs the whole system and cannot go through a context (an ask whose reply goes
//! to a promise, a settled promise's resume or failure, a shutdown requested by a handler) is
//! queued as [`Deferred`] and done by [`Driver::after_op`] as soon as nothing is borrowed, in
//! order. System events are queued the same way and given to `onEvent` listeners there, so a
//! listener may call the runtime freely.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::{Rc, Weak};
use std::time::Duration;

use backstage_core::{
    ActorError, ActorId, AskError, Context, Envelope, Instant, NodeId, Responder, System,
};
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::actor::{JsActor, JsMessage};
use crate::convert::{self, RUNTIME_BUSY};
use crate::exported::{Call, Codec};
use crate::js::{self, clear_timeout, describe, error, queue_microtask, set_timeout};
use crate::ops::{NotSent, Ops};
use backstage_core::wire::Dispatcher;

/// The slot for the running hook's context. Lifetime-erased: see [`Driver::enter`].
type ActiveOps = Option<*mut (dyn Ops + 'static)>;

fn busy() -> JsValue {
    error(
        RUNTIME_BUSY,
        "the runtime is busy: inspect it from outside its handlers",
    )
}

/// How JavaScript talks to an exported Rust actor.
#[derive(Clone, Copy)]
pub(crate) enum RustKind {
    /// With messages of its one message type ([`crate::Exported`]).
    Messages(&'static dyn Codec),
    /// By method, in wire form (an `#[actor]`, [`crate::export_methods`]).
    Methods(Dispatcher),
}

/// System work queued until nothing is borrowed.
pub(crate) enum Deferred {
    /// An asynchronous hook or handler of `id` settled: report the failure, if any, to the
    /// supervisor and let the actor take messages again (unless that instance is gone).
    Settled {
        id: ActorId,
        live: Rc<Cell<bool>>,
        failure: Option<ActorError>,
    },
    /// `shutdown()` called where the system could not be borrowed.
    Shutdown,
}

/// Milliseconds from `performance.now()` where the host has it, else `Date.now()`.
struct Clock {
    /// Checked once: the import fails where there is no `performance.now`.
    performance: bool,
    epoch: f64,
}

impl Clock {
    fn new() -> Clock {
        let performance = js::get(&js_sys::global(), "performance");
        let mut clock = Clock {
            performance: js::method(&performance, "now").is_some(),
            epoch: 0.0,
        };
        clock.epoch = clock.millis();
        clock
    }

    fn millis(&self) -> f64 {
        // Read once per drain: a direct import returning a number, not `Function::call0`
        // (whose result crosses as a `JsValue` and then again to read the number).
        if self.performance {
            js::performance_now()
        } else {
            js_sys::Date::now()
        }
    }

    fn now(&self) -> Instant {
        self.instant(self.millis())
    }

    /// The core's instant for a reading of [`Clock::millis`].
    fn instant(&self, millis: f64) -> Instant {
        let elapsed = (millis - self.epoch).max(0.0);
        Instant::from_nanos((elapsed * 1e6) as u64)
    }
}

/// How a drain that left work behind schedules the next one: as a macrotask.
enum Yield {
    /// Node (and Bun, Deno): `setImmediate(callback)`, after the loop's I/O and timers.
    Immediate { set_immediate: Function },
    /// Browsers and workers: a message to ourselves (no 4 ms clamping, unlike nested timers).
    Channel {
        receiver: JsValue,
        port: JsValue,
        post: Function,
    },
    /// Anywhere else.
    Timeout,
}

impl Yield {
    fn new(callback: &Function) -> Yield {
        let global = js_sys::global();
        if let Some(set_immediate) = js::method(&global, "setImmediate") {
            return Yield::Immediate { set_immediate };
        }
        let channel = js::get(&global, "MessageChannel")
            .dyn_into::<Function>()
            .ok()
            .and_then(|ctor| Reflect::construct(&ctor, &Array::new()).ok());
        if let Some(channel) = channel {
            let receiver = js::get(&channel, "port1");
            let port = js::get(&channel, "port2");
            if let Some(post) = js::method(&port, "postMessage") {
                js::set(&receiver, "onmessage", callback);
                // Where ports keep the process alive (Node-like hosts), they must not.
                if let Some(unref) = js::method(&receiver, "unref") {
                    let _ = unref.call0(&receiver);
                }
                return Yield::Channel {
                    receiver,
                    port,
                    post,
                };
            }
        }
        Yield::Timeout
    }

    fn schedule(&self, callback: &Function) {
        match self {
            Yield::Immediate { set_immediate } => {
                let _ = set_immediate.call1(&JsValue::UNDEFINED, callback);
            }
            Yield::Channel { port, post, .. } => {
                let _ = post.call1(port, &JsValue::UNDEFINED);
            }
            Yield::Timeout => {
                set_timeout(callback, 0.0);
            }
        }
    }

    fn close(&self) {
        if let Yield::Channel { receiver, port, .. } = self {
            for end in [receiver, port] {
                if let Some(close) = js::method(end, "close") {
                    let _ = close.call0(end);
                }
            }
        }
    }
}

/// The first step of a drain, in messages (see [`Driver::drain`]).
const FIRST_STEP: usize = 8;

/// Owns one [`System`] and runs it on the JavaScript event loop.
pub(crate) struct Driver {
    system: RefCell<System>,
    /// The context of the JavaScript hook running now, if any (see [`Driver::enter`]).
    active: Cell<ActiveOps>,
    /// A drain is queued or running: kicks need not schedule another.
    scheduled: Cell<bool>,
    shut: Cell<bool>,
    /// [`Driver::after_op`] is running (outer call drains what nested ones queue).
    flushing: Cell<bool>,
    budget: usize,
    slice_ms: f64,
    clock: Clock,
    /// The one armed `setTimeout` and the core deadline it is for.
    armed: RefCell<Option<(JsValue, Instant)>>,
    /// Drains now (the microtask and macrotask callback).
    drain_fn: Function,
    /// Fires the armed timer.
    timer_fn: Function,
    yielder: Yield,
    deferred: RefCell<VecDeque<Deferred>>,
    events: RefCell<VecDeque<JsValue>>,
    listeners: RefCell<Vec<Function>>,
    /// This runtime's node: ids of its actors cross to JavaScript as numbers.
    node: NodeId,
    /// See [`convert::RuntimeOptions::guard`].
    guard: Option<Function>,
    /// The live exported Rust actors, and how to encode calls to each.
    rust: RefCell<HashMap<ActorId, RustKind>>,
    /// Set by `abortForTesting`: the next drain panics with this message.
    panic_next: RefCell<Option<String>>,
}

impl Driver {
    pub(crate) fn new(options: convert::RuntimeOptions) -> Rc<Driver> {
        Rc::new_cyclic(|weak: &Weak<Driver>| {
            let node = options.config.node;
            let mut system = System::with_config(options.config);
            let pender = weak.clone();
            system.set_pender(move || {
                if let Some(driver) = pender.upgrade() {
                    driver.kick();
                }
            });
            let observer = weak.clone();
            system.observe(move |event| {
                if let Some(driver) = observer.upgrade() {
                    driver.record_event(event);
                }
            });
            // The callbacks belong to the JS GC (`into_js_value`): one still queued when the
            // driver is dropped finds it gone and does nothing.
            let drainer = weak.clone();
            let drain_fn = Closure::<dyn FnMut()>::own_aborting(move || {
                if let Some(driver) = drainer.upgrade() {
                    driver.drain();
                }
            })
            .into_js_value()
            .unchecked_into::<Function>();
            let timer = weak.clone();
            let timer_fn = Closure::<dyn FnMut()>::own_aborting(move || {
                if let Some(driver) = timer.upgrade() {
                    driver.armed.borrow_mut().take();
                    driver.kick();
                }
            })
            .into_js_value()
            .unchecked_into::<Function>();
            let drain_fn = guarded(&options.guard, drain_fn);
            let timer_fn = guarded(&options.guard, timer_fn);
            let yielder = Yield::new(&drain_fn);
            Driver {
                system: RefCell::new(system),
                active: Cell::new(None),
                scheduled: Cell::new(false),
                shut: Cell::new(false),
                flushing: Cell::new(false),
                budget: options.budget.max(1),
                slice_ms: options.slice_ms,
                clock: Clock::new(),
                armed: RefCell::new(None),
                drain_fn,
                timer_fn,
                yielder,
                deferred: RefCell::new(VecDeque::new()),
                events: RefCell::new(VecDeque::new()),
                listeners: RefCell::new(Vec::new()),
                node,
                guard: options.guard.clone(),
                panic_next: RefCell::new(None),
                rust: RefCell::new(HashMap::new()),
            }
        })
    }

    // ---- scheduling -------------------------------------------------------------------------

    /// Makes sure a drain runs soon. Only schedules: safe while the system is borrowed.
    pub(crate) fn kick(&self) {
        if self.shut.get() || self.scheduled.replace(true) {
            return;
        }
        queue_microtask(&self.drain_fn);
    }

    /// Runs the system in steps until it is idle or the drain has lasted `slice_ms`; then
    /// yields to the host (work left) or arms the timer (idle). The core has no clock, so the
    /// slice is checked between steps: they start at [`FIRST_STEP`] messages and double (up to
    /// `budget`) while what the last one took says the rest of the slice holds that many, so
    /// slow handlers overrun a slice by a few messages, fast ones read the clock rarely.
    fn drain(&self) {
        if self.shut.get() || crate::abort::aborted() {
            self.scheduled.set(false);
            return;
        }
        let started = self.clock.millis();
        let mut millis = started;
        let mut step = FIRST_STEP.min(self.budget);
        loop {
            let now = self.clock.instant(millis);
            let processed = match self.system.try_borrow_mut() {
                Ok(mut system) => {
                    if let Some(message) = self.panic_next.borrow_mut().take() {
                        // Deliberately, while the system is borrowed, as a real bug would.
                        panic!("{message}");
                    }
                    system.run(now, step).processed
                }
                // Not reachable (drains run from an empty JS stack); try again later.
                Err(_) => return self.yielder.schedule(&self.drain_fn),
            };
            self.after_op();
            if self.shut.get() {
                self.scheduled.set(false);
                return;
            }
            let (more, next) = match self.system.try_borrow_mut() {
                Ok(mut system) => (system.has_work(), system.next_deadline()),
                Err(_) => (true, None),
            };
            if !more {
                self.scheduled.set(false);
                self.arm(next);
                return;
            }
            let before = millis;
            millis = self.clock.millis();
            let left = self.slice_ms - (millis - started);
            if left <= 0.0 {
                // Stay `scheduled`: kicks until then are absorbed by this macrotask.
                return self.yielder.schedule(&self.drain_fn);
            }
            let took = millis - before;
            let fits = if took > 0.0 {
                (left / took * processed as f64) as usize
            } else {
                usize::MAX
            };
            step = step.saturating_mul(2).min(fits).clamp(1, self.budget);
        }
    }

    /// Keeps one `setTimeout` armed for `deadline` (none for `None`).
    fn arm(&self, deadline: Option<Instant>) {
        let mut armed = self.armed.borrow_mut();
        if armed.as_ref().map(|(_, at)| *at) == deadline {
            return;
        }
        if let Some((handle, _)) = armed.take() {
            clear_timeout(&handle);
        }
        if let Some(at) = deadline {
            let wait = at.saturating_duration_since(self.clock.now());
            let ms = (wait.as_nanos() as f64 / 1e6).ceil();
            *armed = Some((set_timeout(&self.timer_fn, ms), at));
        }
    }

    // ---- re-entrancy --------------------------------------------------------------------------

    /// Runs `f` (a call into JavaScript) with `ctx` as the target of every runtime operation
    /// JavaScript makes meanwhile; restores the previous target afterwards.
    pub(crate) fn enter<R>(&self, ctx: &mut Context<'_, JsActor>, f: impl FnOnce() -> R) -> R {
        let ptr: *mut (dyn Ops + '_) = ctx;
        // SAFETY: only the lifetime bound of the trait object changes (same layout). The
        // pointer is dereferenced only by `with_ops` while it sits in `active`, and it sits
        // there exactly for the duration of `f`: `Restore` puts the previous value back when
        // `f` returns (wasm32 aborts on panic, so there is no unwinding past it). During `f`
        // the `&mut Context` it came from is not used (this frame is suspended in `f`), so the
        // reference `with_ops` makes is the only live access, and everything is on one thread.
        let ptr: *mut (dyn Ops + 'static) = unsafe { core::mem::transmute(ptr) };
        let _restore = Restore {
            slot: &self.active,
            previous: self.active.replace(Some(ptr)),
        };
        f()
    }

    /// Runs one runtime operation: on the active context inside a hook or handler, else on the
    /// system. Never panics: a system that cannot be borrowed is a `RUNTIME_BUSY` error.
    pub(crate) fn with_ops<T>(&self, f: impl FnOnce(&mut dyn Ops) -> T) -> Result<T, JsValue> {
        if let Some(ptr) = self.active.take() {
            // Emptied while `f` runs, so JavaScript that `f` might reach cannot alias it.
            let _restore = Restore {
                slot: &self.active,
                previous: Some(ptr),
            };
            // SAFETY: see `enter`: the pointer is valid while it is in `active`, which it was
            // until the line above and will be again when `_restore` drops; meanwhile this is
            // the only reference made from it.
            let ops = unsafe { &mut *ptr };
            return Ok(f(ops));
        }
        match self.system.try_borrow_mut() {
            Ok(mut system) => Ok(f(&mut *system)),
            Err(_) => Err(error(
                RUNTIME_BUSY,
                "the runtime is busy (called from inside a runtime callback)",
            )),
        }
    }

    fn in_hook(&self) -> bool {
        // Momentarily taken: `with_ops` empties the slot while it runs.
        let active = self.active.take();
        self.active.set(active);
        active.is_some()
    }

    /// Does queued system work and dispatches queued events, if nothing is borrowed now.
    pub(crate) fn after_op(&self) {
        // Nothing queued: what almost every call finds, cheaply.
        if self.deferred.borrow().is_empty() && self.events.borrow().is_empty() {
            return;
        }
        // Inside a hook, or called from JavaScript that the core reached while it holds the
        // system: the outer drain or operation does it.
        if self.in_hook() || self.system.try_borrow_mut().is_err() || self.flushing.replace(true) {
            return;
        }
        loop {
            let job = self.deferred.borrow_mut().pop_front();
            if let Some(job) = job {
                match self.system.try_borrow_mut() {
                    Ok(mut system) => self.run_deferred(&mut system, job),
                    Err(_) => {
                        self.deferred.borrow_mut().push_front(job);
                        break;
                    }
                }
                continue;
            }
            let event = self.events.borrow_mut().pop_front();
            let Some(event) = event else { break };
            let listeners = self.listeners.borrow().clone();
            for listener in listeners {
                // A throwing listener does not stop the others or the runtime.
                let _ = listener.call1(&JsValue::UNDEFINED, &event);
            }
        }
        self.flushing.set(false);
    }

    fn run_deferred(&self, system: &mut System, job: Deferred) {
        match job {
            Deferred::Settled { id, live, failure } => {
                if !live.get() {
                    return;
                }
                if let Some(failure) = failure {
                    let _ = system.fail(id, failure);
                }
                // A restart or stop replaced the instance (and cleared the pause) already.
                if live.get() {
                    let _ = backstage_core::Runtime::resume(system, id);
                }
            }
            Deferred::Shutdown => {
                system.shutdown();
            }
        }
    }

    // ---- operations the exports need ----------------------------------------------------------

    /// Throws `RUNTIME_SHUT_DOWN` once the runtime is shut down.
    pub(crate) fn check_open(&self) -> Result<(), JsValue> {
        if crate::abort::aborted() {
            Err(crate::abort::aborted_error())
        } else if self.shut.get() {
            Err(convert::shut_down())
        } else {
            Ok(())
        }
    }

    /// `tell` from JavaScript: to a JavaScript actor (the common case, one dynamic call), an
    /// exported Rust actor (converted to its message type) or any other actor (an envelope).
    pub(crate) fn tell(&self, id: f64, message: JsMessage) -> Result<(), JsValue> {
        self.call(true, |ops| {
            let to = convert::id_from_f64(self.node, id)?;
            match ops.tell_js(to, message) {
                Ok(()) => Ok(()),
                Err(NotSent::Refused(e)) => Err(convert::send_error(e)),
                Err(NotSent::NotJs(message)) => match self.exported(to) {
                    Some(codec) => ops.tell_exported(codec, to, &message.0),
                    None => ops
                        .send_envelope(to, Envelope::value(message))
                        .map_err(convert::send_error),
                },
            }
        })?
    }

    /// One exported operation: checks the runtime is open, runs `f` on the right target, then
    /// does queued work and (for operations that may create work) schedules a drain.
    pub(crate) fn call<T>(
        &self,
        creates_work: bool,
        f: impl FnOnce(&mut dyn Ops) -> T,
    ) -> Result<T, JsValue> {
        self.check_open()?;
        let result = self.with_ops(f);
        self.after_op();
        if creates_work {
            self.kick();
        }
        result
    }

    /// An ask whose reply settles a promise; from a handler it goes through the handler's
    /// context, so it is sent at once with that actor as its sender.
    pub(crate) fn ask(
        &self,
        to: ActorId,
        message: JsValue,
        timeout: Option<Duration>,
        resolve: Function,
        reject: Function,
    ) -> Result<(), JsValue> {
        self.call(true, |ops| match ops.addr_of(to) {
            Some(addr) => {
                let answer = move |result: Result<JsValue, AskError>| {
                    let _ = match result {
                        Ok(reply) => resolve.call1(&JsValue::UNDEFINED, &reply),
                        Err(e) => reject.call1(&JsValue::UNDEFINED, &convert::ask_error(e)),
                    };
                };
                ops.ask_callback(&addr, JsMessage(message), timeout, Box::new(answer));
                Ok(())
            }
            None => {
                if let Some(codec) = self.exported(to) {
                    let call = Call {
                        to,
                        msg: &message,
                        timeout,
                        resolve,
                        reject,
                    };
                    return ops.ask_exported(codec, call);
                }
                // Not a live actor: sending anyway records the dead letter and gives the
                // core's reason (stopped, never existed, another node).
                let envelope = Envelope::value(JsMessage(message));
                let err = match ops.send_envelope(to, envelope) {
                    Err(e) => e,
                    // Unreachable: `addr_of` finds every live JavaScript actor.
                    Ok(()) => backstage_core::SendError::NoSuchActor(to),
                };
                let _ = reject.call1(
                    &JsValue::UNDEFINED,
                    &convert::ask_error(AskError::Send(err)),
                );
                Ok(())
            }
        })?
    }

    /// Shuts the runtime down: every actor stops (their `stopped` hooks run); every later call
    /// throws `RUNTIME_SHUT_DOWN`. Called again, it does nothing.
    pub(crate) fn shutdown(&self) {
        if self.shut.replace(true) {
            return;
        }
        if let Some((handle, _)) = self.armed.borrow_mut().take() {
            clear_timeout(&handle);
        }
        self.yielder.close();
        self.deferred.borrow_mut().push_back(Deferred::Shutdown);
        self.after_op();
    }

    /// Remembers that `id` is an exported Rust actor of this kind.
    pub(crate) fn add_rust(&self, id: ActorId, kind: RustKind) {
        self.rust.borrow_mut().insert(id, kind);
    }

    /// The codec of `id` if it is a live exported Rust actor taking messages.
    pub(crate) fn exported(&self, id: ActorId) -> Option<&'static dyn Codec> {
        match self.rust.try_borrow().ok()?.get(&id)? {
            RustKind::Messages(codec) => Some(*codec),
            RustKind::Methods(_) => None,
        }
    }

    /// The dispatcher of `id` if it is a live exported Rust actor called by method.
    pub(crate) fn methods_of(&self, id: ActorId) -> Option<Dispatcher> {
        match self.rust.try_borrow().ok()?.get(&id)? {
            RustKind::Methods(dispatcher) => Some(*dispatcher),
            RustKind::Messages(_) => None,
        }
    }

    pub(crate) fn panic_in_next_drain(&self, message: String) {
        crate::abort::install();
        *self.panic_next.borrow_mut() = Some(message);
        self.kick();
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut.get()
    }

    // ---- events -------------------------------------------------------------------------------

    fn record_event(&self, event: &backstage_core::SystemEvent<'_>) {
        if let backstage_core::SystemEvent::Stopped { id, .. } = event {
            if let Ok(mut rust) = self.rust.try_borrow_mut() {
                rust.remove(id);
            }
        }
        if self.listeners.borrow().is_empty() {
            return;
        }
        self.events
            .borrow_mut()
            .push_back(convert::event(self.node, event));
    }

    pub(crate) fn add_listener(&self, listener: Function) {
        self.listeners.borrow_mut().push(listener);
    }

    pub(crate) fn remove_listener(&self, listener: &JsValue) -> bool {
        let mut listeners = self.listeners.borrow_mut();
        let before = listeners.len();
        listeners.retain(|l| !js_sys::Object::is(l, listener));
        listeners.len() != before
    }

    /// Runs `f` on the whole system with the runtime's clock (for inspection): not from code
    /// the runtime runs while it holds the system (`RUNTIME_BUSY` there).
    pub(crate) fn with_system<T>(
        &self,
        f: impl FnOnce(&System, Instant) -> T,
    ) -> Result<T, JsValue> {
        self.check_open()?;
        if self.in_hook() {
            return Err(busy());
        }
        let system = self.system.try_borrow().map_err(|_| busy())?;
        Ok(f(&system, self.clock.now()))
    }

    // ---- ids and handlers ---------------------------------------------------------------------

    pub(crate) fn node(&self) -> NodeId {
        self.node
    }

    /// `id` as JavaScript holds it; `-1` for another node's actor (not addressable from here
    /// until a transport connects the nodes).
    pub(crate) fn id_to_f64(&self, id: ActorId) -> f64 {
        if id.node() == self.node {
            convert::id_to_f64(id)
        } else {
            -1.0
        }
    }

    /// An actor id given by JavaScript (after checking the runtime is open, so a call after
    /// shutdown says so whatever its arguments).
    pub(crate) fn id(&self, value: f64) -> Result<ActorId, JsValue> {
        self.check_open()?;
        convert::id_from_f64(self.node, value)
    }

    /// Finishes an asynchronous hook or handler of `id` when `promise` settles: answers the
    /// asker (if any), reports a rejection to the supervisor, lets the actor take its next
    /// message and schedules a drain.
    pub(crate) fn settle_later(
        self: &Rc<Self>,
        promise: Promise,
        id: ActorId,
        live: Rc<Cell<bool>>,
        responder: Option<Responder<JsValue>>,
    ) {
        let slot = Rc::new(RefCell::new(Some(Unsettled {
            driver: Rc::downgrade(self),
            live,
            responder,
        })));
        let other = slot.clone();
        let on_fulfilled = Closure::<dyn FnMut(JsValue)>::once_aborting(move |value: JsValue| {
            Driver::settled(&slot, id, Ok(value))
        });
        let on_rejected = Closure::<dyn FnMut(JsValue)>::once_aborting(move |reason: JsValue| {
            Driver::settled(&other, id, Err(reason))
        });
        // Both belong to the JS GC, which frees them once the promise drops its reactions.
        let on_fulfilled = guarded(&self.guard, on_fulfilled.into_js_value().unchecked_into());
        let on_rejected = guarded(&self.guard, on_rejected.into_js_value().unchecked_into());
        js::then(&promise, &on_fulfilled, &on_rejected);
    }

    fn settled(slot: &RefCell<Option<Unsettled>>, id: ActorId, result: Result<JsValue, JsValue>) {
        let Some(Unsettled {
            driver,
            live,
            responder,
        }) = slot.borrow_mut().take()
        else {
            return;
        };
        let failure = match &result {
            Ok(_) => None,
            Err(reason) => Some(ActorError::new(describe(reason))),
        };
        if let Some(responder) = responder {
            match (result, &failure) {
                (Ok(value), _) => responder.reply(value),
                (Err(_), Some(failure)) => responder.fail(failure.clone()),
                (Err(_), None) => {}
            }
        }
        let Some(driver) = driver.upgrade() else {
            return;
        };
        if live.get() {
            driver
                .deferred
                .borrow_mut()
                .push_back(Deferred::Settled { id, live, failure });
        }
        driver.after_op();
        driver.kick();
    }
}

/// `callback` wrapped by the runtime's guard (see [`convert::RuntimeOptions::guard`]), if it
/// has one.
fn guarded(guard: &Option<Function>, callback: Function) -> Function {
    match guard {
        Some(guard) => guard
            .call1(&JsValue::UNDEFINED, &callback)
            .ok()
            .and_then(|g| g.dyn_into::<Function>().ok())
            .unwrap_or(callback),
        None => callback,
    }
}

/// An asynchronous hook or handler waiting for its promise; taken by whichever of the
/// fulfilment and rejection callbacks runs.
struct Unsettled {
    driver: Weak<Driver>,
    /// The instance that made the promise.
    live: Rc<Cell<bool>>,
    /// The asker of the message being handled, if it was an ask.
    responder: Option<Responder<JsValue>>,
}

/// Puts the previous active context back.
struct Restore<'a> {
    slot: &'a Cell<ActiveOps>,
    previous: ActiveOps,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        self.slot.set(self.previous);
    }
}
