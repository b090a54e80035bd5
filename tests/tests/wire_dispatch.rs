//! Calls in wire form through a [`Dispatcher`]: what the wasm host and transports use.
//!
//! Promises: a frame `[method, [args...]]` written by hand (as another language writes it)
//! calls the method and the reply comes back as the CBOR of the return value; unknown
//! methods, wrong argument counts or shapes, and replies that do not decode are typed errors
//! with stable codes that name the method, reported before anything is sent (the reply
//! callback is then never called); a target that is gone or of another type is refused;
//! handler failures and deadlines reach the reply callback, once; a call made from inside an
//! actor comes from that actor.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use backstage_core::wire::{self, CallError, Dispatch, Dispatcher, Limits};
use backstage_core::{actor, ActorError, ActorId, AskError, Context, ManualDriver, Runtime};
use backstage_tests::{call_frame, reply, settle};

#[derive(Default)]
struct Counter {
    total: u64,
    callers: Vec<String>,
}
impl backstage_core::Actor for Counter {}

#[actor]
impl Counter {
    pub fn add(&mut self, n: u64) -> u64 {
        self.total += n;
        self.total
    }

    pub fn add_two(&mut self, a: u64, b: u64) -> u64 {
        self.total += a + b;
        self.total
    }

    pub fn label(&self, prefix: String) -> String {
        format!("{prefix}{}", self.total)
    }

    pub fn reset(&mut self) {
        self.total = 0;
    }

    pub fn fail(&mut self) -> Result<u64, ActorError> {
        Err(ActorError::new("counter refused"))
    }

    pub fn note_caller(&mut self, ctx: &mut Context<'_, Self>) {
        let caller = ctx
            .sender()
            .map_or("outside".to_string(), |id| id.to_string());
        self.callers.push(caller);
    }

    pub fn callers(&self) -> Vec<String> {
        self.callers.clone()
    }

    /// Keeps the reply channel: never answers.
    pub fn hang(&mut self, ctx: &mut Context<'_, Self>) -> u64 {
        std::mem::forget(ctx.defer_reply::<u64>());
        0
    }
}

#[derive(Default)]
struct Relay;
impl backstage_core::Actor for Relay {}

#[actor]
impl Relay {
    /// Forwards a frame to `to` (given as its parts) from inside a handler.
    pub fn relay(
        &mut self,
        to: (u32, u32, u32),
        frame: Vec<u8>,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        let to = ActorId::from_parts(to.0, to.1, to.2);
        Dispatcher::of::<Counter>()
            .call(ctx, to, &frame, &Limits::default(), None, |_| {})
            .map_err(|e| ActorError::new(e.to_string()))
    }
}

fn setup() -> (ManualDriver, Dispatcher, ActorId) {
    let mut driver = ManualDriver::default();
    let dispatcher = Dispatcher::of::<Counter>();
    let id = dispatcher.activate(&mut driver, "counter-1").unwrap();
    (driver, dispatcher, id)
}

/// `[method, [args]]` by hand: the bytes TypeScript would send.
fn frame(method: &str, args: &[u8], arity: u8) -> Vec<u8> {
    let mut out = vec![0x82, 0x60 | method.len() as u8];
    out.extend_from_slice(method.as_bytes());
    out.push(0x80 | arity);
    out.extend_from_slice(args);
    out
}

/// Calls and checks that the reply callback was not called when the call was refused.
fn refused(driver: &mut ManualDriver, d: &Dispatcher, to: ActorId, bytes: &[u8]) -> CallError {
    let called = Rc::new(RefCell::new(false));
    let flag = called.clone();
    let err = d
        .call(driver, to, bytes, &Limits::default(), None, move |_| {
            *flag.borrow_mut() = true
        })
        .unwrap_err();
    driver.run_until_idle();
    assert!(!*called.borrow(), "a refused call must not reply");
    err
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn hand_written_frames_call_methods_and_replies_are_cbor() {
    let (mut driver, d, id) = setup();
    let limits = Limits::default();
    // [ "add", [ 5 ] ] -> 5
    assert_eq!(
        call_frame(&mut driver, &d, id, &frame("add", &[0x05], 1), &limits),
        Ok(vec![0x05])
    );
    // [ "add_two", [ 20, 300 ] ] -> 325 (0x19 0x01 0x45)
    assert_eq!(
        call_frame(
            &mut driver,
            &d,
            id,
            &frame("add_two", &[0x14, 0x19, 0x01, 0x2c], 2),
            &limits
        ),
        Ok(vec![0x19, 0x01, 0x45])
    );
    // [ "label", [ "n=" ] ] -> "n=325"
    let bytes = call_frame(
        &mut driver,
        &d,
        id,
        &frame("label", &[0x62, b'n', b'='], 1),
        &limits,
    )
    .unwrap();
    assert_eq!(bytes, [&[0x65][..], b"n=325"].concat());
    assert_eq!(
        wire::decode_reply::<CounterLabel>(&bytes, &limits),
        Ok("n=325".to_string())
    );
    // [ "reset", [] ] -> null
    assert_eq!(
        call_frame(&mut driver, &d, id, &frame("reset", &[], 0), &limits),
        Ok(vec![0xf6])
    );
    // An indefinite-length argument array is the same call.
    assert_eq!(
        call_frame(
            &mut driver,
            &d,
            id,
            &[&frame("add", &[], 0)[..5], &[0x9f, 0x07, 0xff]].concat(),
            &limits
        ),
        Ok(vec![0x07])
    );
    // The proxy sees the same actor.
    let counter = driver.actor::<Counter>("counter-1").unwrap();
    assert_eq!(reply(&mut driver, counter.add(1)), Ok(8));
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn encode_call_and_decode_call_are_inverse_and_method_ids_are_names() {
    let frame = wire::encode_call(CounterAddTwo(1, 2)).unwrap();
    assert_eq!(
        frame,
        [&[0x82, 0x67][..], b"add_two", &[0x82, 0x01, 0x02]].concat()
    );
    let back: CounterAddTwo = wire::decode_call(&frame, &Limits::default()).unwrap();
    assert_eq!((back.0, back.1), (1, 2));
    let err = wire::decode_call::<CounterAdd>(&frame, &Limits::default()).unwrap_err();
    assert_eq!(err.code(), "UNKNOWN_METHOD");

    let d = Dispatcher::of::<Counter>();
    assert_eq!(d.name(), "Counter");
    assert_eq!(d.methods(), Counter::METHODS);
    assert_eq!(d.method("add_two").map(|m| m.args.len()), Some(2));
    assert!(d.method("within").is_none());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn unknown_methods_and_wrong_arguments_are_refused_naming_the_method() {
    let (mut driver, d, id) = setup();

    let err = refused(&mut driver, &d, id, &frame("subtract", &[0x01], 1));
    assert_eq!(err.code(), "UNKNOWN_METHOD");
    assert_eq!(err.method(), Some("subtract"));
    assert_eq!(err.to_string(), "Counter has no method \"subtract\"");

    let err = refused(&mut driver, &d, id, &frame("add", &[0x01, 0x02], 2));
    assert_eq!(err.code(), "BAD_ARGUMENTS");
    assert_eq!(err.method(), Some("add"));
    assert!(
        err.to_string().contains("expected 1 argument(s), got 2"),
        "{err}"
    );

    // A text where a number goes.
    let err = refused(&mut driver, &d, id, &frame("add", &[0x61, b'x'], 1));
    assert_eq!(err.code(), "BAD_ARGUMENTS");
    assert_eq!(err.method(), Some("add"));
    // A negative number for a u64.
    let err = refused(&mut driver, &d, id, &frame("add", &[0x20], 1));
    assert_eq!(err.code(), "BAD_ARGUMENTS");

    // A method id longer than 64 characters is cut in the error.
    let long = "m".repeat(200);
    let mut bytes = vec![0x82, 0x78, 200];
    bytes.extend_from_slice(long.as_bytes());
    bytes.push(0x80);
    let err = refused(&mut driver, &d, id, &bytes);
    assert_eq!(err.method().map(str::len), Some(64));

    assert_eq!(driver.metrics().sent, 0, "nothing was sent");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_reply_that_does_not_decode_is_a_typed_error() {
    let limits = Limits::default();
    let text = wire::encode_reply("label", "not a number").unwrap();
    let err = wire::decode_reply::<CounterAdd>(&text, &limits).unwrap_err();
    assert_eq!(err.code(), "REPLY_DECODE_FAILED");
    assert_eq!(err.method(), Some("add"));
    let err = wire::decode_reply::<CounterAdd>(&[0x19, 0x01], &limits).unwrap_err();
    assert_eq!(err.code(), "REPLY_DECODE_FAILED", "cut short");
    let err = wire::decode_reply::<CounterAdd>(&[0x01, 0x02], &limits).unwrap_err();
    assert_eq!(err.code(), "REPLY_DECODE_FAILED", "trailing bytes");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn targets_that_are_gone_or_of_another_type_are_refused() {
    let (mut driver, d, id) = setup();
    let relay = driver.actor::<Relay>("relay").unwrap();
    let err = refused(&mut driver, &d, relay.id(), &frame("add", &[0x01], 1));
    assert_eq!(err.code(), "TYPE_MISMATCH");
    assert!(!d.accepts(&driver, relay.id()));
    assert!(d.accepts(&driver, id));

    let nobody = ActorId::from_parts(0, 999, 0);
    let err = refused(&mut driver, &d, nobody, &frame("add", &[0x01], 1));
    assert_eq!(err.code(), "NO_SUCH_ACTOR");
    assert_eq!(err.method(), Some("add"));

    driver.stop(id).unwrap();
    driver.run_until_idle();
    let err = refused(&mut driver, &d, id, &frame("add", &[0x01], 1));
    assert_eq!(err.code(), "ACTOR_STOPPED");

    let spawned_only = Dispatcher::without_activation::<Counter>();
    assert_eq!(
        spawned_only.activate(&mut driver, "x").unwrap_err().code(),
        "NOT_ACTIVATABLE"
    );
    assert_eq!(
        Dispatcher::of::<Counter>()
            .activate(&mut driver, "relay")
            .unwrap_err()
            .code(),
        "TYPE_MISMATCH"
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn failures_and_deadlines_reach_the_reply_callback_once() {
    let (mut driver, d, id) = setup();
    let err = call_frame(
        &mut driver,
        &d,
        id,
        &frame("fail", &[], 0),
        &Limits::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "HANDLER_FAILED");
    assert_eq!(
        err,
        CallError::Ask {
            method: "fail".into(),
            error: AskError::Failed(ActorError::new("counter refused")),
        }
    );
    assert_eq!(err.to_string(), "fail: handler failed: counter refused");

    let replies = Rc::new(RefCell::new(Vec::new()));
    let sink = replies.clone();
    d.call(
        &mut driver,
        id,
        &frame("hang", &[], 0),
        &Limits::default(),
        Some(Duration::from_millis(50)),
        move |r| sink.borrow_mut().push(r),
    )
    .unwrap();
    driver.run_until_idle();
    assert!(replies.borrow().is_empty());
    driver.advance(Duration::from_millis(50));
    driver.advance(Duration::from_secs(1));
    let replies = replies.borrow();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].as_ref().unwrap_err().code(), "ASK_TIMEOUT");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_call_made_inside_an_actor_comes_from_it() {
    let (mut driver, d, id) = setup();
    call_frame(
        &mut driver,
        &d,
        id,
        &frame("note_caller", &[], 0),
        &Limits::default(),
    )
    .unwrap();
    let relay = driver.actor::<Relay>("relay").unwrap();
    relay.relay(id.to_parts(), frame("note_caller", &[], 0));
    driver.run_until_idle();
    let counter = driver.actor::<Counter>("counter-1").unwrap();
    assert_eq!(
        reply(&mut driver, counter.callers()),
        Ok(vec!["outside".to_string(), relay.id().to_string()])
    );
    settle(&mut driver);
}
