//! The bodies of the wasm tests, shared by `node.rs` (Node), `browser.rs` (headless
//! Chromium) and `worker.rs` (a dedicated Web Worker of it). Behaviours are written in
//! JavaScript, as users of the package write them.
//!
//! No `#[wasm_bindgen]` import may be declared here (the library declares `setTimeout` and
//! `queueMicrotask`; a second declaration in this package fails to link): JavaScript helpers are
//! built with `Function::new_with_args`.

use std::cell::RefCell;

use backstage_wasm::Runtime;
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

const U: JsValue = JsValue::UNDEFINED;

/// The `sender` a behaviour gets for a message sent from outside any actor.
const NO_SENDER: f64 = -1.0;

fn runtime() -> Runtime {
    Runtime::new(U).expect("default options")
}

/// Calls a JavaScript function with parameters `params` and body `body` on `args`.
fn js(params: &str, body: &str, args: &[JsValue]) -> JsValue {
    let f = Function::new_with_args(params, body);
    let args: Array = args.iter().collect();
    f.apply(&U, &args).expect("the helper does not throw")
}

fn s(text: &str) -> JsValue {
    JsValue::from_str(text)
}

fn n(number: f64) -> JsValue {
    JsValue::from_f64(number)
}

/// The runtime as JavaScript holds it (another handle on the same runtime), for behaviours and
/// listeners that call it.
fn handle(rt: &Runtime) -> JsValue {
    JsValue::from(rt.clone())
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &s(key)).expect("readable")
}

fn num(target: &JsValue, key: &str) -> f64 {
    get(target, key)
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is a number"))
}

fn code(err: &JsValue) -> String {
    get(err, "code").as_string().unwrap_or_default()
}

fn message(err: &JsValue) -> String {
    get(err, "message").as_string().unwrap_or_default()
}

fn strings(value: &JsValue) -> Vec<String> {
    Array::from(value)
        .iter()
        .map(|v| v.as_string().expect("a string"))
        .collect()
}

fn numbers(value: &JsValue) -> Vec<f64> {
    Array::from(value)
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

/// An `[id, reason, self]` triple as a `terminated` hook recorded it.
fn termination(value: &JsValue) -> (f64, String, f64) {
    let parts = Array::from(value);
    (
        parts.get(0).as_f64().expect("an id"),
        parts.get(1).as_string().expect("a reason"),
        parts.get(2).as_f64().expect("self"),
    )
}

/// Throws with `expected` code.
/// What `tell` and `ask` return (`undefined`, or why nothing was sent) as a `Result`.
fn sent(refusal: JsValue) -> Result<(), JsValue> {
    if refusal.is_undefined() {
        Ok(())
    } else {
        Err(refusal)
    }
}

fn assert_code<T: std::fmt::Debug>(result: Result<T, JsValue>, expected: &str) {
    match result {
        Ok(value) => panic!("expected an error {expected}, got Ok({value:?})"),
        Err(err) => {
            assert_eq!(code(&err), expected, "{}", message(&err));
            assert!(err.is_instance_of::<js_sys::Error>());
        }
    }
}

/// `rt.ask` with a promise of our own for `resolve`/`reject`, as the TypeScript layer calls
/// it; `Err` if the request was not sent (malformed arguments, a shut-down runtime).
fn ask(rt: &Runtime, id: f64, msg: JsValue, timeout_ms: Option<f64>) -> Result<Promise, JsValue> {
    let thrown = RefCell::new(None);
    let msg = RefCell::new(Some(msg));
    let promise = Promise::new(&mut |resolve, reject| {
        let msg = msg.borrow_mut().take().expect("the executor runs once");
        if let Err(err) = sent(rt.ask(id, msg, timeout_ms, resolve, reject)) {
            *thrown.borrow_mut() = Some(err);
        }
    });
    match thrown.into_inner() {
        Some(err) => Err(err),
        None => Ok(promise),
    }
}

async fn resolved(promise: Result<Promise, JsValue>) -> JsValue {
    let value: Result<JsValue, JsValue> = JsFuture::from(promise.expect("ask sent")).await;
    value.unwrap_or_else(|err| panic!("rejected: {} {}", code(&err), message(&err)))
}

async fn rejected(promise: Result<Promise, JsValue>) -> JsValue {
    let value: Result<JsValue, JsValue> = JsFuture::from(promise.expect("ask sent")).await;
    match value {
        Ok(v) => panic!("expected a rejection, got {v:?}"),
        Err(err) => err,
    }
}

async fn sleep(ms: u32) {
    let promise = js(
        "ms",
        "return new Promise(r => setTimeout(r, ms));",
        &[JsValue::from(ms)],
    );
    let _: Result<JsValue, JsValue> = JsFuture::from(Promise::from(promise)).await;
}

/// Collects every event into a JS array.
fn record_events(rt: &Runtime) -> Array {
    let events = Array::new();
    let listener = js(
        "events",
        "return e => events.push(e);",
        &[events.clone().into()],
    );
    rt.on_event(&listener).unwrap();
    events
}

fn events_of(events: &Array, kind: &str) -> Vec<JsValue> {
    events
        .iter()
        .filter(|e| get(e, "type").as_string().as_deref() == Some(kind))
        .collect()
}

/// The `stopped` event of actor `id`.
fn stopped_event(events: &Array, id: f64) -> JsValue {
    let found: Vec<JsValue> = events_of(events, "stopped")
        .into_iter()
        .filter(|e| get(e, "id").as_f64() == Some(id))
        .collect();
    assert_eq!(found.len(), 1, "one stopped event for {id}");
    found[0].clone()
}

/// A behaviour that ignores everything.
fn inert() -> JsValue {
    js("", "return { receive() {} };", &[])
}

/// A behaviour that records what it receives and returns the record for `'seen'`.
fn recorder() -> JsValue {
    js(
        "",
        "const seen = []; return { receive(m) { if (m === 'seen') return seen.slice(); seen.push(m); } };",
        &[],
    )
}

/// Actor ids are whole numbers from 1 (0 is never one); `self` and `sender` reach `receive` as
/// numbers too.
fn assert_id(value: &JsValue) -> f64 {
    let id = value.as_f64().expect("an id is a number");
    assert!(id >= 1.0 && id.fract() == 0.0, "{id} is an id");
    id
}

#[wasm_bindgen_test]
async fn tell_then_ask_returns_what_the_actor_accumulated() {
    let rt = runtime();
    let list = js(
        "",
        "const items = [];
         return { receive(m, sender, self) {
           if (m === 'get') return items.slice();
           if (m === 'who') return [self, sender];
           items.push(m);
         } };",
        &[],
    );
    let id = rt.spawn(list, U, &U).unwrap();
    assert_id(&n(id));
    for item in ["a", "b", "c"] {
        sent(rt.tell(id, s(item))).unwrap();
    }
    let got = resolved(ask(&rt, id, s("get"), None)).await;
    assert_eq!(strings(&got), ["a", "b", "c"]);
    let who = resolved(ask(&rt, id, s("who"), None)).await;
    assert_eq!(numbers(&who), [id, NO_SENDER]);
    let metrics = rt.metrics().unwrap();
    assert_eq!(num(&metrics, "sent"), 5.0);
    assert_eq!(num(&metrics, "delivered"), 5.0);
    assert_eq!(num(&metrics, "deadLetters"), 0.0);
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn an_async_receive_holds_the_next_message_until_it_settles() {
    let rt = runtime();
    let slow = js(
        "",
        "const log = [];
         return { receive(m) {
           if (m === 'log') return log.slice();
           log.push('start ' + m);
           return new Promise(resolve => setTimeout(() => {
             log.push('end ' + m);
             resolve(m + '!');
           }, 5));
         } };",
        &[],
    );
    let id = rt.spawn(slow, U, &U).unwrap();
    sent(rt.tell(id, s("a"))).unwrap();
    sent(rt.tell(id, s("b"))).unwrap();
    let reply = resolved(ask(&rt, id, s("c"), None)).await;
    assert_eq!(reply.as_string().as_deref(), Some("c!"));
    let log = resolved(ask(&rt, id, s("log"), None)).await;
    assert_eq!(
        strings(&log),
        ["start a", "end a", "start b", "end b", "start c", "end c"]
    );
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn handlers_call_the_runtime_synchronously() {
    let rt = runtime();
    let parent = js(
        "rt",
        "const log = [];
         return { receive(m, sender, self) {
           if (m === 'log') return log.slice();
           if (m === 'note') { log.push('note from ' + (sender === self ? 'self' : sender)); return; }
           if (m !== 'go') return;
           const childLog = [];
           const child = rt.spawn({ receive(x, from) {
             if (x === 'log') return childLog.slice();
             childLog.push(x + (from === self ? ' from parent' : ' from ' + from));
           } }, { name: 'child' }, 0);
           rt.tell(child, 'hello');
           rt.tell(self, 'note');
           rt.subscribe('news', child);
           const subscribers = rt.publish('news', 'extra');
           const victim = rt.spawn({ receive() {} }, undefined, 0);
           const victimWasAlive = rt.isAlive(victim);
           rt.stop(victim);
           rt.poison(victim);
           const spawnedSoFar = rt.metrics().spawned;
           return {
             child, victim, victimWasAlive, subscribers, spawnedSoFar,
             looked: rt.lookup('child'),
             // Both were spawned top-level (parent 0): this actor has no children.
             children: rt.children(self),
           };
         } };",
        &[handle(&rt)],
    );
    let id = rt.spawn(parent, U, &U).unwrap();
    let out = resolved(ask(&rt, id, s("go"), None)).await;
    let child = assert_id(&get(&out, "child"));
    let victim = assert_id(&get(&out, "victim"));
    assert_eq!(get(&out, "looked").as_f64(), Some(child));
    assert_eq!(get(&out, "victimWasAlive").as_bool(), Some(true));
    assert_eq!(num(&out, "subscribers"), 1.0);
    assert_eq!(num(&out, "spawnedSoFar"), 3.0);
    assert_eq!(Array::from(&get(&out, "children")).length(), 0);

    let child_log = resolved(ask(&rt, child, s("log"), None)).await;
    assert_eq!(
        strings(&child_log),
        ["hello from parent", "extra from parent"]
    );
    let parent_log = resolved(ask(&rt, id, s("log"), None)).await;
    assert_eq!(strings(&parent_log), ["note from self"]);
    assert!(!rt.is_alive(victim).unwrap());

    let metrics = rt.metrics().unwrap();
    assert_eq!(num(&metrics, "spawned"), 3.0);
    assert_eq!(num(&metrics, "stopped"), 1.0);
    // The poison pill sent after the stop request is the only message that was not delivered.
    assert_eq!(num(&metrics, "deadLetters"), 1.0);
    assert_eq!(
        num(&get(&metrics, "deadLettersByReason"), "ACTOR_STOPPED"),
        1.0
    );
    assert_eq!(
        num(&metrics, "sent"),
        num(&metrics, "delivered") + num(&metrics, "deadLetters") + num(&metrics, "rejected")
    );
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn metrics_and_dead_letters_work_inside_a_handler() {
    let rt = runtime();
    let gone = rt.spawn(inert(), U, &U).unwrap();
    rt.stop(gone).unwrap();
    sleep(5).await;
    assert!(!rt.is_alive(gone).unwrap());
    let inspector = js(
        "rt, gone",
        "return { receive(m, sender, self) {
           const before = rt.metrics();
           let code;
           code = rt.tell(gone, 'too late')?.code;
           const after = rt.metrics();
           const letters = rt.deadLetters();
           return {
             code,
             deadLettersBefore: before.deadLetters,
             deadLettersAfter: after.deadLetters,
             stoppedByReason: after.deadLettersByReason.ACTOR_STOPPED,
             live: after.liveActors,
             letters,
             self,
           };
         } };",
        &[handle(&rt), n(gone)],
    );
    let id = rt.spawn(inspector, U, &U).unwrap();
    let out = resolved(ask(&rt, id, s("inspect"), None)).await;
    assert_eq!(
        get(&out, "code").as_string().as_deref(),
        Some("ACTOR_STOPPED")
    );
    assert_eq!(num(&out, "deadLettersBefore"), 0.0);
    // The counters a handler reads are live: the tell it just made is counted.
    assert_eq!(num(&out, "deadLettersAfter"), 1.0);
    assert_eq!(num(&out, "stoppedByReason"), 1.0);
    assert_eq!(num(&out, "live"), 1.0);
    let letters = Array::from(&get(&out, "letters"));
    assert_eq!(letters.length(), 1);
    let letter = letters.get(0);
    assert_eq!(get(&letter, "to").as_f64(), Some(gone));
    // Sent from inside the handler: the running actor is the sender.
    assert_eq!(get(&letter, "from").as_f64(), Some(id));
    assert_eq!(num(&out, "self"), id);
    assert_eq!(
        get(&letter, "reason").as_string().as_deref(),
        Some("ACTOR_STOPPED")
    );
    assert_eq!(
        get(&letter, "message").as_string().as_deref(),
        Some("too late")
    );
    // And the same from outside.
    assert_eq!(rt.dead_letters().unwrap().length(), 1);
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn an_async_handler_can_await_an_ask_it_makes() {
    let rt = runtime();
    let echo = js(
        "",
        "return { receive(m) { return m.toUpperCase(); } };",
        &[],
    );
    let echo = rt.spawn(echo, U, &U).unwrap();
    let asker = js(
        "rt, echo",
        "const ask = (id, m, ms) => new Promise((resolve, reject) => {
           const refused = rt.ask(id, m, ms, resolve, reject);
           if (refused) reject(refused);
         });
         return { async receive(m) {
           const first = await ask(echo, m);
           const second = await ask(echo, m + '?', 1000);
           return first + ' ' + second;
         } };",
        &[handle(&rt), n(echo)],
    );
    let asker = rt.spawn(asker, U, &U).unwrap();
    let reply = resolved(ask(&rt, asker, s("hi"), None)).await;
    assert_eq!(reply.as_string().as_deref(), Some("HI HI?"));
    rt.shutdown();
}

/// A counter whose state lives in the factory's closure: a restart starts it from zero.
fn counter(failure: &str) -> JsValue {
    js(
        "",
        &format!(
            "return () => {{
               let n = 0;
               return {{ receive(m) {{
                 if (m === 'boom') {failure};
                 n += 1;
                 return n;
               }} }};
             }};"
        ),
        &[],
    )
}

async fn fails_then_restarts(failure: &str, error_text: &str) {
    let rt = runtime();
    let events = record_events(&rt);
    let id = rt.spawn(counter(failure), U, &U).unwrap();
    assert_eq!(
        resolved(ask(&rt, id, s("a"), None)).await.as_f64(),
        Some(1.0)
    );
    assert_eq!(
        resolved(ask(&rt, id, s("b"), None)).await.as_f64(),
        Some(2.0)
    );
    let err = rejected(ask(&rt, id, s("boom"), None)).await;
    assert_eq!(code(&err), "HANDLER_FAILED");
    assert!(message(&err).contains(error_text), "{}", message(&err));
    // A fresh instance from the factory.
    assert_eq!(
        resolved(ask(&rt, id, s("c"), None)).await.as_f64(),
        Some(1.0)
    );
    assert!(rt.is_alive(id).unwrap());
    let metrics = rt.metrics().unwrap();
    assert_eq!(num(&metrics, "restarts"), 1.0);
    assert_eq!(num(&metrics, "failures"), 1.0);
    let failed = events_of(&events, "failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(get(&failed[0], "id").as_f64(), Some(id));
    assert!(get(&failed[0], "error")
        .as_string()
        .unwrap()
        .contains(error_text));
    assert_eq!(events_of(&events, "restarted").len(), 1);
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn a_throwing_handler_fails_the_ask_and_restarts_the_actor() {
    fails_then_restarts("throw new Error('kaboom')", "kaboom").await;
}

#[wasm_bindgen_test]
async fn a_rejected_promise_fails_the_ask_and_restarts_the_actor() {
    fails_then_restarts("return Promise.reject(new Error('nope'))", "nope").await;
}

#[wasm_bindgen_test]
async fn an_ask_without_a_reply_times_out_on_a_real_timer() {
    let rt = runtime();
    let silent = js(
        "",
        "return { receive() { return new Promise(() => {}); } };",
        &[],
    );
    let id = rt.spawn(silent, U, &U).unwrap();
    let started = js_sys::Date::now();
    let err = rejected(ask(&rt, id, s("anyone?"), Some(30.0))).await;
    let waited = js_sys::Date::now() - started;
    assert_eq!(code(&err), "ASK_TIMEOUT");
    assert!(waited >= 25.0, "timed out after {waited} ms");
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        assert_code(ask(&rt, id, s("x"), Some(bad)), "INVALID_ARGUMENT");
    }
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn a_tell_to_a_stopped_actor_throws_and_is_a_dead_letter() {
    let rt = runtime();
    let events = record_events(&rt);
    let stops = Array::new();
    let actor = js(
        "stops",
        "return { receive() {}, stopped(self) { stops.push(self); } };",
        &[stops.clone().into()],
    );
    let id = rt.spawn(actor, U, &U).unwrap();
    // Once it has started, so that stopping it runs its `stopped` hook.
    resolved(ask(&rt, id, s("ping"), None)).await;
    rt.stop(id).unwrap();
    sleep(5).await;
    assert!(!rt.is_alive(id).unwrap());
    assert_eq!(numbers(&stops), [id]);

    assert_code(sent(rt.tell(id, s("late"))), "ACTOR_STOPPED");
    let err = rejected(ask(&rt, id, s("later"), None)).await;
    assert_eq!(code(&err), "ACTOR_STOPPED");
    let metrics = rt.metrics().unwrap();
    assert_eq!(num(&metrics, "deadLetters"), 2.0);
    assert_eq!(
        num(&get(&metrics, "deadLettersByReason"), "ACTOR_STOPPED"),
        2.0
    );
    let letters = rt.dead_letters().unwrap();
    assert_eq!(letters.length(), 2);
    let first = letters.get(0);
    assert_eq!(get(&first, "to").as_f64(), Some(id));
    assert!(get(&first, "from").is_undefined());
    assert_eq!(
        get(&first, "reason").as_string().as_deref(),
        Some("ACTOR_STOPPED")
    );
    assert_eq!(get(&first, "message").as_string().as_deref(), Some("late"));
    assert!(get(&first, "messageType").as_string().is_some());
    assert_eq!(
        get(&letters.get(1), "message").as_string().as_deref(),
        Some("later")
    );

    let stopped = events_of(&events, "stopped");
    assert_eq!(stopped.len(), 1);
    assert_eq!(get(&stopped[0], "id").as_f64(), Some(id));
    assert_eq!(
        get(&stopped[0], "reason").as_string().as_deref(),
        Some("requested")
    );
    let dead = events_of(&events, "deadLetter");
    assert_eq!(dead.len(), 2);
    assert_eq!(get(&dead[0], "to").as_f64(), Some(id));
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn malformed_and_unknown_ids_are_no_such_actor() {
    let rt = runtime();
    let real = rt.spawn(inert(), U, &U).unwrap();
    let calls = Array::new();
    let record = |what: &'static str| {
        js(
            "calls, what",
            "return v => calls.push(what + ' ' + String(v && v.code));",
            &[calls.clone().into(), s(what)],
        )
        .unchecked_into::<Function>()
    };
    let limit = 2f64.powi(21) * 2f64.powi(32); // 2⁵³: the generation limit × 2³²
    for bad in [
        0.5,
        -3.0,
        NO_SENDER,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        // 2⁵³ is the largest id; 2⁵³ + 2 is the next number an f64 holds.
        limit + 2.0,
        limit * 2.0,
        1e300,
        real + 0.5,
    ] {
        assert_code(sent(rt.tell(bad, s("x"))), "NO_SUCH_ACTOR");
        assert_code(
            sent(rt.ask(bad, s("x"), None, record("resolve"), record("reject"))),
            "NO_SUCH_ACTOR",
        );
        assert_code(rt.stop(bad), "NO_SUCH_ACTOR");
        assert_code(rt.poison(bad), "NO_SUCH_ACTOR");
        assert_code(rt.is_alive(bad), "NO_SUCH_ACTOR");
        assert_code(rt.subscribe(&s("t"), bad), "NO_SUCH_ACTOR");
        assert_code(rt.unsubscribe(&s("t"), bad), "NO_SUCH_ACTOR");
        assert_code(rt.children(bad), "NO_SUCH_ACTOR");
        assert_code(rt.watch(bad, real), "NO_SUCH_ACTOR");
        assert_code(rt.watch(real, bad), "NO_SUCH_ACTOR");
        assert_code(rt.unwatch(bad, real), "NO_SUCH_ACTOR");
        assert_code(rt.unwatch(real, bad), "NO_SUCH_ACTOR");
        assert_code(rt.spawn(inert(), U, &n(bad)), "NO_SUCH_ACTOR");
        assert_code(rt.spawn_rust(&s("counter"), U, &n(bad)), "NO_SUCH_ACTOR");
    }

    // Ids given as strings (the old text form included) and other non-numbers, from JavaScript.
    // `null`, `false` and `""` become 0, which is never an id (ids start at 1).
    let probe = Function::new_with_args(
        "rt, id, real",
        "const codes = [];
         for (const call of [
           () => { const refused = rt.tell(id, 'x'); if (refused) throw refused; },
           () => { const refused = rt.ask(id, 'x', undefined, () => {}, () => {}); if (refused) throw refused; },
           () => rt.stop(id),
           () => rt.poison(id),
           () => rt.isAlive(id),
           () => rt.subscribe('t', id),
           () => rt.unsubscribe('t', id),
           () => rt.children(id),
           () => rt.watch(id, real),
           () => rt.watch(real, id),
           () => rt.unwatch(id, real),
           () => rt.unwatch(real, id),
         ]) {
           try { call(); codes.push('no error'); } catch (e) { codes.push(e.code); }
         }
         return codes;",
    );
    let zeroish = [JsValue::NULL, JsValue::FALSE, s("")];
    let not_numbers = [
        s("nope"),
        s("0.0.0"),
        s(&format!("0.{real}.0")),
        s("1.2.3.4"),
        U,
        js("", "return {};", &[]),
    ];
    for bad in not_numbers.iter().chain(&zeroish) {
        let codes = probe.call3(&U, &handle(&rt), bad, &n(real)).unwrap();
        assert_eq!(strings(&codes), ["NO_SUCH_ACTOR"; 12], "{bad:?}");
    }
    // The same as a `parent` (where 0, and so `null`, `false` and `""`, means none).
    let parent_probe = Function::new_with_args(
        "rt, parent",
        "const codes = [];
         for (const call of [
           () => rt.spawn({ receive() {} }, undefined, parent),
           () => rt.spawnRust('counter', undefined, parent),
         ]) {
           try { call(); codes.push('no error'); } catch (e) { codes.push(e.code); }
         }
         return codes;",
    );
    // (`undefined` is no parent: a top-level spawn.)
    for bad in not_numbers.iter().filter(|bad| !bad.is_undefined()) {
        let codes = parent_probe.call2(&U, &handle(&rt), bad).unwrap();
        assert_eq!(strings(&codes), ["NO_SUCH_ACTOR"; 2], "{bad:?}");
    }
    let codes = parent_probe.call2(&U, &handle(&rt), &U).unwrap();
    assert_eq!(strings(&codes), ["no error"; 2], "undefined: top-level");

    // Well-formed, but no actor ever had it.
    let never = real + 999.0;
    assert_code(sent(rt.tell(never, s("x"))), "NO_SUCH_ACTOR");
    assert_code(rt.stop(never), "NO_SUCH_ACTOR");
    assert!(!rt.is_alive(never).unwrap());
    let err = rejected(ask(&rt, never, s("x"), None)).await;
    assert_eq!(code(&err), "NO_SUCH_ACTOR");

    // A malformed id throws synchronously: neither callback of the ask ever runs.
    sleep(5).await;
    assert_eq!(calls.length(), 0, "{:?}", strings(&calls));
    // The real actor was never reached.
    assert_eq!(num(&rt.metrics().unwrap(), "delivered"), 0.0);
    assert!(rt.is_alive(real).unwrap());
    rt.shutdown();
}

#[wasm_bindgen_test]
fn a_taken_name_is_refused() {
    let rt = runtime();
    let named = JsValue::from(js_sys::Object::new());
    Reflect::set(&named, &s("name"), &s("svc")).unwrap();
    let first = rt.spawn(inert(), named.clone(), &U).unwrap();
    assert_code(rt.spawn(inert(), named, &U), "NAME_TAKEN");
    assert_eq!(rt.lookup(&s("svc")).unwrap(), Some(first));
    assert_eq!(rt.lookup(&s("nobody")).unwrap(), None);
    assert_code(rt.lookup(&n(5.0)), "INVALID_ARGUMENT");
    rt.shutdown();
}

#[wasm_bindgen_test]
fn bad_arguments_are_invalid_argument() {
    let rt = runtime();
    assert_code(rt.spawn(JsValue::from(3), U, &U), "INVALID_ARGUMENT");
    assert_code(
        rt.spawn(js("", "return {};", &[]), U, &U),
        "INVALID_ARGUMENT",
    );
    for options in [
        "return { overflow: 'sometimes' };",
        "return { capacity: 0 };",
        "return { capacity: 1.5 };",
        "return { name: 5 };",
        "return 'options';",
    ] {
        assert_code(
            rt.spawn(inert(), js("", options, &[]), &U),
            "INVALID_ARGUMENT",
        );
    }
    for options in [
        "return { budget: -1 };",
        "return { sliceMs: -1 };",
        "return { sliceMs: '4' };",
        "return { sliceMs: NaN };",
    ] {
        assert_code(
            Runtime::new(js("", options, &[])).map(drop),
            "INVALID_ARGUMENT",
        );
    }
    assert_code(rt.on_event(&s("not a function")), "INVALID_ARGUMENT");
    assert_code(rt.get_or_spawn(&n(1.0), inert()), "INVALID_ARGUMENT");
    assert_code(rt.get_or_spawn(&s("x"), n(1.0)), "INVALID_ARGUMENT");
    assert_code(rt.publish(&U, s("x")), "INVALID_ARGUMENT");
    // Nothing was spawned by the refused calls.
    assert_eq!(num(&rt.metrics().unwrap(), "spawned"), 0.0);
    rt.shutdown();
}

#[wasm_bindgen_test]
fn invalid_supervisor_options_are_invalid_argument() {
    let rt = runtime();
    let bad = [
        "return { supervisor: 'oneForOne' };",
        "return { supervisor: 3 };",
        "return { supervisor: { strategy: 'oneForSome' } };",
        "return { supervisor: { strategy: 1 } };",
        "return { supervisor: { onFailure: 'explode' } };",
        "return { supervisor: { onFailure: 'Restart' } };",
        "return { supervisor: { onFailure: true } };",
        "return { supervisor: { maxRestarts: -1 } };",
        "return { supervisor: { maxRestarts: 1.5 } };",
        "return { supervisor: { maxRestarts: 'many' } };",
        "return { supervisor: { withinMs: -5 } };",
        "return { supervisor: { withinMs: Infinity } };",
    ];
    for options in bad {
        assert_code(
            rt.spawn(inert(), js("", options, &[]), &U),
            "INVALID_ARGUMENT",
        );
        assert_code(
            Runtime::new(js("", options, &[])).map(drop),
            "INVALID_ARGUMENT",
        );
    }
    // Every documented choice is accepted, for spawns and for the runtime.
    let good = [
        "return { supervisor: {} };",
        "return { supervisor: undefined };",
        "return { supervisor: { strategy: 'oneForOne', onFailure: 'restart' } };",
        "return { supervisor: { strategy: 'oneForAll', onFailure: 'resume' } };",
        "return { supervisor: { strategy: 'restForOne', onFailure: 'stop' } };",
        "return { supervisor: { onFailure: 'escalate', maxRestarts: 0, withinMs: 0 } };",
        "return { supervisor: { maxRestarts: 10, withinMs: 60000 } };",
    ];
    for options in good {
        rt.spawn(inert(), js("", options, &[]), &U)
            .unwrap_or_else(|e| panic!("{options}: {}", message(&e)));
        Runtime::new(js("", options, &[]))
            .unwrap_or_else(|e| panic!("{options}: {}", message(&e)))
            .shutdown();
    }
    assert_eq!(num(&rt.metrics().unwrap(), "spawned"), good.len() as f64);
    rt.shutdown();
}

#[wasm_bindgen_test]
fn a_full_mailbox_rejects() {
    let rt = runtime();
    let options = js("", "return { capacity: 1, overflow: 'reject' };", &[]);
    let id = rt.spawn(inert(), options, &U).unwrap();
    sent(rt.tell(id, s("one"))).unwrap();
    assert_code(sent(rt.tell(id, s("two"))), "MAILBOX_FULL");
    assert_eq!(num(&rt.metrics().unwrap(), "rejected"), 1.0);
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn after_shutdown_every_call_throws() {
    let rt = runtime();
    let stops = Array::new();
    let actor = js(
        "stops",
        "return { receive() {}, stopped(self) { stops.push(self); } };",
        &[stops.clone().into()],
    );
    let id = rt.spawn(actor, U, &U).unwrap();
    resolved(ask(&rt, id, s("ping"), None)).await;
    rt.shutdown();
    assert!(rt.is_shut_down());
    assert_eq!(numbers(&stops), [id]);
    assert_code(rt.spawn(inert(), U, &U), "RUNTIME_SHUT_DOWN");
    assert_code(rt.spawn(inert(), U, &n(id)), "RUNTIME_SHUT_DOWN");
    assert_code(rt.spawn_rust(&s("counter"), U, &U), "RUNTIME_SHUT_DOWN");
    assert_code(rt.get_or_spawn(&s("svc"), inert()), "RUNTIME_SHUT_DOWN");
    assert_code(sent(rt.tell(id, s("x"))), "RUNTIME_SHUT_DOWN");
    assert_code(sent(rt.tell(f64::NAN, s("x"))), "RUNTIME_SHUT_DOWN");
    assert_code(ask(&rt, id, s("x"), None), "RUNTIME_SHUT_DOWN");
    assert_code(rt.stop(id), "RUNTIME_SHUT_DOWN");
    assert_code(rt.poison(id), "RUNTIME_SHUT_DOWN");
    assert_code(rt.lookup(&s("x")), "RUNTIME_SHUT_DOWN");
    assert_code(rt.is_alive(id), "RUNTIME_SHUT_DOWN");
    assert_code(rt.children(id), "RUNTIME_SHUT_DOWN");
    assert_code(rt.watch(id, id), "RUNTIME_SHUT_DOWN");
    assert_code(rt.unwatch(id, id), "RUNTIME_SHUT_DOWN");
    assert_code(rt.publish(&s("t"), s("x")), "RUNTIME_SHUT_DOWN");
    assert_code(rt.subscribe(&s("t"), id), "RUNTIME_SHUT_DOWN");
    assert_code(rt.unsubscribe(&s("t"), id), "RUNTIME_SHUT_DOWN");
    assert_code(rt.metrics(), "RUNTIME_SHUT_DOWN");
    assert_code(rt.dead_letters(), "RUNTIME_SHUT_DOWN");
    assert_code(
        rt.on_event(&js("", "return () => {};", &[])),
        "RUNTIME_SHUT_DOWN",
    );
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn queued_asks_are_rejected_by_shutdown() {
    let rt = runtime();
    let id = rt
        .spawn(js("", "return { receive(m) { return m; } };", &[]), U, &U)
        .unwrap();
    let asked = ask(&rt, id, s("queued"), None);
    rt.shutdown();
    let err = rejected(asked).await;
    assert_eq!(code(&err), "ACTOR_STOPPED");
}

#[wasm_bindgen_test]
async fn publications_reach_every_subscriber() {
    let rt = runtime();
    let a = rt.spawn(recorder(), U, &U).unwrap();
    let b = rt.spawn(recorder(), U, &U).unwrap();
    rt.subscribe(&s("news"), a).unwrap();
    rt.subscribe(&s("news"), b).unwrap();
    assert_eq!(rt.publish(&s("news"), s("one")).unwrap(), 2);
    assert!(rt.unsubscribe(&s("news"), b).unwrap());
    assert!(!rt.unsubscribe(&s("news"), b).unwrap());
    assert_eq!(rt.publish(&s("news"), s("two")).unwrap(), 1);
    assert_eq!(rt.publish(&s("other"), s("none")).unwrap(), 0);
    assert_eq!(
        strings(&resolved(ask(&rt, a, s("seen"), None)).await),
        ["one", "two"]
    );
    assert_eq!(
        strings(&resolved(ask(&rt, b, s("seen"), None)).await),
        ["one"]
    );
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn a_publication_reaches_two_subscribers_like_a_tell() {
    let rt = runtime();
    // Each subscriber records what its one `receive` got: the message, its sender, itself.
    let subscriber = || {
        js(
            "",
            "const seen = [];
             return { receive(m, sender, self) {
               if (m === 'seen') return seen.slice();
               seen.push([m, sender, self]);
             } };",
            &[],
        )
    };
    let a = rt.spawn(subscriber(), U, &U).unwrap();
    let b = rt.spawn(subscriber(), U, &U).unwrap();
    let publisher = js(
        "rt",
        "return { receive(m) { return rt.publish('weather', m); } };",
        &[handle(&rt)],
    );
    let publisher = rt.spawn(publisher, U, &U).unwrap();
    rt.subscribe(&s("weather"), a).unwrap();
    rt.subscribe(&s("weather"), b).unwrap();
    // One shared object, not a copy per subscriber.
    let forecast = js("", "return { sky: 'clear' };", &[]);
    assert_eq!(rt.publish(&s("weather"), forecast.clone()).unwrap(), 2);
    let reached = resolved(ask(&rt, publisher, s("rain"), None)).await;
    assert_eq!(reached.as_f64(), Some(2.0));
    for me in [a, b] {
        let seen = Array::from(&resolved(ask(&rt, me, s("seen"), None)).await);
        assert_eq!(seen.length(), 2);
        let first = Array::from(&seen.get(0));
        assert!(js_sys::Object::is(&first.get(0), &forecast));
        assert_eq!(first.get(1).as_f64(), Some(NO_SENDER));
        assert_eq!(first.get(2).as_f64(), Some(me));
        let second = Array::from(&seen.get(1));
        assert_eq!(second.get(0).as_string().as_deref(), Some("rain"));
        // Published from inside a handler: that actor is the sender.
        assert_eq!(second.get(1).as_f64(), Some(publisher));
        assert_eq!(second.get(2).as_f64(), Some(me));
    }
    let metrics = rt.metrics().unwrap();
    assert_eq!(num(&metrics, "deadLetters"), 0.0);
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn event_listeners_may_call_the_runtime() {
    let rt = runtime();
    let greeter = js(
        "rt",
        "return e => { if (e.type === 'spawned') rt.tell(e.id, 'welcome'); };",
        &[handle(&rt)],
    );
    rt.on_event(&greeter).unwrap();
    let id = rt.spawn(recorder(), U, &U).unwrap();
    assert_eq!(
        strings(&resolved(ask(&rt, id, s("seen"), None)).await),
        ["welcome"]
    );
    assert!(rt.off_event(&greeter).unwrap());
    assert!(!rt.off_event(&greeter).unwrap());
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn ten_thousand_tells_arrive_and_the_host_gets_turns() {
    let rt = runtime();
    let state = js(
        "",
        "return { count: 0, outOfOrder: 0, timerSaw: undefined };",
        &[],
    );
    let actor = js(
        "state",
        "return { receive(m) {
           if (m === 'count') return state.count;
           if (m !== state.count) state.outOfOrder += 1;
           state.count += 1;
           if (state.count === 1000) {
             // A host timer, due long before the last message is handled if the driver yields.
             setTimeout(() => { state.timerSaw = state.count; }, 0);
             const until = Date.now() + 10;
             while (Date.now() < until) {}
           }
         } };",
        std::slice::from_ref(&state),
    );
    let options = js("", "return { capacity: 20000 };", &[]);
    let id = rt.spawn(actor, options, &U).unwrap();
    for i in 0..10_000u32 {
        sent(rt.tell(id, JsValue::from(i))).unwrap();
    }
    let count = resolved(ask(&rt, id, s("count"), None)).await;
    assert_eq!(count.as_f64(), Some(10_000.0));
    assert_eq!(num(&state, "outOfOrder"), 0.0);
    let saw = get(&state, "timerSaw")
        .as_f64()
        .expect("the timer ran before the last message was handled");
    assert!((1000.0..10_000.0).contains(&saw), "timer saw {saw}");
    let metrics = rt.metrics().unwrap();
    assert_eq!(num(&metrics, "delivered"), 10_001.0);
    assert_eq!(num(&metrics, "deadLetters"), 0.0);
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn a_factory_that_throws_or_makes_no_behaviour_fails_the_actor() {
    let rt = runtime();
    let events = record_events(&rt);
    let stopping = js(
        "",
        "return { supervisor: { strategy: 'oneForOne', onFailure: 'stop' } };",
        &[],
    );
    let parent = rt
        .spawn(js("", "return { receive() {} };", &[]), stopping, &U)
        .unwrap();
    let throws = js(
        "",
        "return () => { throw new Error('no state today'); };",
        &[],
    );
    let empty = js("", "return () => ({ started() {} });", &[]);
    let started_throws = js(
        "",
        "return () => ({ receive() {}, started() { throw new Error('cannot start'); } });",
        &[],
    );
    let mut ids = Vec::new();
    for factory in [throws, empty, started_throws] {
        ids.push(rt.spawn(factory, U, &n(parent)).unwrap());
    }
    sleep(5).await;
    let failed: Vec<(f64, String)> = events_of(&events, "failed")
        .iter()
        .map(|e| (num(e, "id"), get(e, "error").as_string().unwrap()))
        .collect();
    let error_of = |id: f64| {
        failed
            .iter()
            .find(|(failed, _)| *failed == id)
            .map(|(_, error)| error.clone())
            .unwrap_or_else(|| panic!("no failure of {id}: {failed:?}"))
    };
    assert!(error_of(ids[0]).contains("no state today"), "{failed:?}");
    assert!(error_of(ids[1]).contains("receive"), "{failed:?}");
    assert!(error_of(ids[2]).contains("cannot start"), "{failed:?}");
    for id in ids {
        assert!(
            !rt.is_alive(id).unwrap(),
            "{id} was stopped by its supervisor"
        );
    }
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn a_drain_yields_after_its_time_slice() {
    // Each message takes 1 ms; a host timer set at the first is due at once. With a 2 ms slice
    // the timer runs after a few messages; with a slice longer than the flood it runs after
    // the last one (one drain handled them all).
    for (slice_ms, expect_early) in [(2.0, true), (10_000.0, false)] {
        let options = js("ms", "return { sliceMs: ms };", &[n(slice_ms)]);
        let rt = Runtime::new(options).unwrap();
        let state = js("", "return { count: 0, timerSaw: undefined };", &[]);
        let actor = js(
            "state",
            "return { receive(m) {
               if (m === 'count') return state.count;
               if (state.count === 0) setTimeout(() => { state.timerSaw = state.count; }, 0);
               state.count += 1;
               const until = Date.now() + 1;
               while (Date.now() < until) {}
             } };",
            std::slice::from_ref(&state),
        );
        let id = rt.spawn(actor, U, &U).unwrap();
        for i in 0..50u32 {
            sent(rt.tell(id, JsValue::from(i))).unwrap();
        }
        let count = resolved(ask(&rt, id, s("count"), None)).await;
        assert_eq!(count.as_f64(), Some(50.0));
        sleep(5).await;
        let saw = num(&state, "timerSaw");
        if expect_early {
            assert!(
                saw < 25.0,
                "slice {slice_ms} ms: the timer saw {saw} messages"
            );
        } else {
            assert_eq!(saw, 50.0, "slice {slice_ms} ms");
        }
        rt.shutdown();
    }
}

#[wasm_bindgen_test]
async fn an_async_started_hook_holds_messages_until_it_settles() {
    let rt = runtime();
    let actor = js(
        "",
        "const log = [];
         return {
           started(self) {
             log.push('starting ' + typeof self);
             return new Promise(resolve => setTimeout(() => { log.push('started'); resolve(); }, 5));
           },
           receive(m) { log.push(m); return log.slice(); },
         };",
        &[],
    );
    let id = rt.spawn(actor, U, &U).unwrap();
    sent(rt.tell(id, s("first"))).unwrap();
    let log = resolved(ask(&rt, id, s("second"), None)).await;
    assert_eq!(
        strings(&log),
        ["starting number", "started", "first", "second"]
    );
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn a_handler_may_shut_the_runtime_down() {
    let rt = runtime();
    let stops = Array::new();
    let actor = js(
        "rt, stops",
        "return {
           receive(m, sender, self) {
             rt.shutdown();
             return rt.tell(self, 'more')?.code ?? 'no error';
           },
           stopped(self) { stops.push(self); },
         };",
        &[handle(&rt), stops.clone().into()],
    );
    let id = rt.spawn(actor, U, &U).unwrap();
    let reply = resolved(ask(&rt, id, s("stop everything"), None)).await;
    assert_eq!(reply.as_string().as_deref(), Some("RUNTIME_SHUT_DOWN"));
    assert!(rt.is_shut_down());
    // The actors stopped once the drain step that ran the handler was over.
    assert_eq!(numbers(&stops), [id]);
    assert_code(rt.is_alive(id), "RUNTIME_SHUT_DOWN");
}

#[wasm_bindgen_test]
async fn thenables_count_as_promises() {
    let rt = runtime();
    let actor = js(
        "",
        "return { receive(m) {
           if (m === 'thenable') return { then(ok) { setTimeout(() => ok('via thenable'), 1); } };
           if (m === 'bad') return { then() { throw new Error('bad then'); } };
           return m;
         } };",
        &[],
    );
    let id = rt.spawn(actor, U, &U).unwrap();
    let reply = resolved(ask(&rt, id, s("thenable"), None)).await;
    assert_eq!(reply.as_string().as_deref(), Some("via thenable"));
    let err = rejected(ask(&rt, id, s("bad"), None)).await;
    assert_eq!(code(&err), "HANDLER_FAILED");
    assert!(message(&err).contains("bad then"), "{}", message(&err));
    // The same behaviour object, restarted.
    let reply = resolved(ask(&rt, id, s("x"), None)).await;
    assert_eq!(reply.as_string().as_deref(), Some("x"));
    assert_eq!(num(&rt.metrics().unwrap(), "restarts"), 1.0);
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn an_ask_from_a_handler_is_sent_at_once_with_the_actor_as_sender() {
    let rt = runtime();
    let log = Array::new();
    // The target records each message with its sender; an ask must arrive before a tell the
    // same handler makes after it.
    let target = js(
        "log",
        "return { receive(m, sender) { log.push(m + ' from ' + (sender === -1 ? 'outside' : sender)); return 'ok'; } };",
        &[log.clone().into()],
    );
    let target = rt.spawn(target, U, &U).unwrap();
    let asker = js(
        "rt, target",
        "return { receive(m, sender, self) {
           rt.ask(target, 'ask', undefined, () => {}, () => {});
           rt.tell(target, 'tell');
           return self;
         } };",
        &[handle(&rt), n(target)],
    );
    let asker = rt.spawn(asker, U, &U).unwrap();
    let asker_id = resolved(ask(&rt, asker, s("go"), None)).await;
    assert_eq!(asker_id.as_f64(), Some(asker));
    resolved(ask(&rt, target, s("sync"), None)).await;
    assert_eq!(
        strings(&log),
        [
            format!("ask from {asker}"),
            format!("tell from {asker}"),
            "sync from outside".into()
        ]
    );
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn a_child_spawned_in_a_handler_is_listed_and_stops_with_its_parent() {
    let rt = runtime();
    let events = record_events(&rt);
    let stops = Array::new();
    let parent = js(
        "rt, stops",
        "return {
           receive(m, sender, self) {
             if (m === 'children') return rt.children(self);
             if (m !== 'spawn') return;
             const child = rt.spawn({
               receive(x, from, me) { return [x, from, me]; },
               stopped(me) { stops.push(me); },
             }, { name: 'kid' }, self);
             return [child, rt.children(self), rt.isAlive(child), rt.lookup('kid')];
           },
           stopped(self) { stops.push(self); },
         };",
        &[handle(&rt), stops.clone().into()],
    );
    let parent = rt.spawn(parent, U, &U).unwrap();
    let out = Array::from(&resolved(ask(&rt, parent, s("spawn"), None)).await);
    // The id at once, listed as a child at once, alive and registered under its name.
    let child = assert_id(&out.get(0));
    assert_ne!(child, parent);
    assert_eq!(numbers(&out.get(1)), [child]);
    assert_eq!(out.get(2).as_bool(), Some(true));
    assert_eq!(out.get(3).as_f64(), Some(child));
    // A later message sees the same children.
    assert_eq!(
        numbers(&resolved(ask(&rt, parent, s("children"), None)).await),
        [child]
    );
    let echoed = resolved(ask(&rt, child, s("hi"), None)).await;
    assert_eq!(echoed.as_f64(), None);
    let echoed = Array::from(&echoed);
    assert_eq!(echoed.get(0).as_string().as_deref(), Some("hi"));
    assert_eq!(echoed.get(1).as_f64(), Some(NO_SENDER));
    assert_eq!(echoed.get(2).as_f64(), Some(child));

    let spawned: Vec<JsValue> = events_of(&events, "spawned")
        .into_iter()
        .filter(|e| get(e, "id").as_f64() == Some(child))
        .collect();
    assert_eq!(spawned.len(), 1);
    assert_eq!(get(&spawned[0], "parent").as_f64(), Some(parent));
    assert_eq!(get(&spawned[0], "name").as_string().as_deref(), Some("kid"));

    rt.stop(parent).unwrap();
    sleep(5).await;
    assert!(!rt.is_alive(parent).unwrap());
    assert!(!rt.is_alive(child).unwrap());
    assert_eq!(rt.lookup(&s("kid")).unwrap(), None);
    let mut stopped = numbers(&stops);
    stopped.sort_by(f64::total_cmp);
    let mut both = vec![parent, child];
    both.sort_by(f64::total_cmp);
    assert_eq!(stopped, both, "both stopped hooks ran");
    assert_eq!(
        get(&stopped_event(&events, parent), "reason")
            .as_string()
            .as_deref(),
        Some("requested")
    );
    assert_eq!(
        get(&stopped_event(&events, child), "reason")
            .as_string()
            .as_deref(),
        Some("parentStopped")
    );
    assert_eq!(num(&rt.metrics().unwrap(), "liveActors"), 0.0);
    rt.shutdown();
}

/// A behaviour that records every `terminated` notice as `[id, reason, self]` in `seen`.
fn watching(seen: &Array) -> JsValue {
    js(
        "seen",
        "return { receive() {}, terminated(id, reason, self) { seen.push([id, reason, self]); } };",
        &[seen.clone().into()],
    )
}

/// The notices `seen` holds, in id order.
fn terminations(seen: &Array) -> Vec<(f64, String, f64)> {
    let mut all: Vec<_> = seen.iter().map(|t| termination(&t)).collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    all
}

#[wasm_bindgen_test]
async fn children_watch_and_child_spawns_work_outside_a_handler_given_ids() {
    let rt = runtime();
    let events = record_events(&rt);
    let seen = Array::new();
    let watcher = rt.spawn(watching(&seen), U, &U).unwrap();
    let parent = rt.spawn(inert(), U, &U).unwrap();
    // From Rust, outside any handler: a JavaScript child and a Rust child, in spawn order.
    let child = rt.spawn(recorder(), U, &n(parent)).unwrap();
    let rust_child = rt.spawn_rust(&s("counter"), U, &n(parent)).unwrap();
    assert_eq!(numbers(&rt.children(parent).unwrap()), [child, rust_child]);
    assert_eq!(rt.children(child).unwrap().length(), 0);
    assert_eq!(rt.children(watcher).unwrap().length(), 0);
    // Any live actor can be a parent, a Rust one too.
    let under_rust = rt.spawn(inert(), U, &n(rust_child)).unwrap();
    assert_eq!(numbers(&rt.children(rust_child).unwrap()), [under_rust]);
    for id in [child, rust_child] {
        let spawned: Vec<JsValue> = events_of(&events, "spawned")
            .into_iter()
            .filter(|e| get(e, "id").as_f64() == Some(id))
            .collect();
        assert_eq!(spawned.len(), 1);
        assert_eq!(get(&spawned[0], "parent").as_f64(), Some(parent));
    }
    rt.watch(watcher, child).unwrap();

    // From JavaScript outside any handler (as an event listener or a timer would call).
    let out = Array::from(&js(
        "rt, parent, watcher, child",
        "const grandchild = rt.spawn({ receive() {} }, undefined, child);
         rt.watch(watcher, grandchild);
         const other = rt.spawn({ receive() {} }, undefined, 0);
         rt.watch(watcher, other);
         rt.unwatch(watcher, other);
         return [grandchild, rt.children(child), rt.children(parent), other];",
        &[handle(&rt), n(parent), n(watcher), n(child)],
    ));
    let grandchild = assert_id(&out.get(0));
    assert_eq!(numbers(&out.get(1)), [grandchild]);
    assert_eq!(numbers(&out.get(2)), [child, rust_child]);
    let other = assert_id(&out.get(3));
    assert!(rt.children(0.0).is_err(), "0 is no actor");

    // The children work, and stop with their parent; the watcher hears of the watched ones.
    sent(rt.tell(child, s("hello"))).unwrap();
    assert_eq!(
        strings(&resolved(ask(&rt, child, s("seen"), None)).await),
        ["hello"]
    );
    rt.stop(parent).unwrap();
    rt.stop(other).unwrap();
    sleep(5).await;
    for id in [parent, child, rust_child, grandchild, under_rust, other] {
        assert!(!rt.is_alive(id).unwrap(), "{id} stopped");
    }
    for id in [child, rust_child, grandchild, under_rust] {
        assert_eq!(
            get(&stopped_event(&events, id), "reason")
                .as_string()
                .as_deref(),
            Some("parentStopped")
        );
    }
    assert_eq!(
        terminations(&seen),
        [
            (child, "parentStopped".into(), watcher),
            (grandchild, "parentStopped".into(), watcher),
        ],
        "no word of the unwatched actor"
    );

    // A stopped actor has no children, and takes none.
    assert_eq!(rt.children(parent).unwrap().length(), 0);
    assert_eq!(rt.children(child).unwrap().length(), 0);
    let spawned = num(&rt.metrics().unwrap(), "spawned");
    assert_code(rt.spawn(inert(), U, &n(parent)), "ACTOR_STOPPED");
    assert_code(rt.spawn(inert(), U, &n(child)), "ACTOR_STOPPED");
    assert_code(rt.spawn_rust(&s("counter"), U, &n(parent)), "ACTOR_STOPPED");

    // A stopped watcher cannot watch (or unwatch).
    let target = rt.spawn(inert(), U, &U).unwrap();
    rt.stop(watcher).unwrap();
    sleep(5).await;
    assert!(!rt.is_alive(watcher).unwrap());
    assert_code(rt.watch(watcher, target), "ACTOR_STOPPED");
    assert_code(rt.unwatch(watcher, target), "ACTOR_STOPPED");

    // The same from JavaScript.
    let probe = js(
        "rt, parent, watcher, target",
        "const out = [];
         for (const call of [
           () => rt.spawn({ receive() {} }, undefined, parent),
           () => rt.spawnRust('counter', undefined, parent),
           () => rt.children(parent).length,
           () => rt.watch(watcher, target),
           () => rt.unwatch(watcher, target),
         ]) {
           try { out.push(String(call())); } catch (e) { out.push(e.code); }
         }
         return out;",
        &[handle(&rt), n(parent), n(watcher), n(target)],
    );
    assert_eq!(
        strings(&probe),
        [
            "ACTOR_STOPPED",
            "ACTOR_STOPPED",
            "0",
            "ACTOR_STOPPED",
            "ACTOR_STOPPED"
        ]
    );
    // The refused spawns spawned nothing (`target` is the only spawn since).
    assert_eq!(num(&rt.metrics().unwrap(), "spawned"), spawned + 1.0);
    assert_eq!(seen.length(), 2);
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn a_child_spawned_after_an_await_is_listed_and_stops_with_its_parent() {
    let rt = runtime();
    let events = record_events(&rt);
    let stops = Array::new();
    let seen = Array::new();
    let watched = rt.spawn(inert(), U, &U).unwrap();
    // Everything after the `await` runs outside the drain that started the handler.
    let parent = js(
        "rt, stops, seen, watched",
        "return {
           async receive(m, sender, self) {
             if (m === 'children') return rt.children(self);
             if (m !== 'spawn') return;
             await new Promise(resolve => setTimeout(resolve, 1));
             const child = rt.spawn({
               receive(x, from, me) { return [x, from, me]; },
               stopped(me) { stops.push(me); },
             }, { name: 'late-kid' }, self);
             const rustChild = rt.spawnRust('counter', undefined, self);
             rt.watch(self, watched);
             return [child, rustChild, rt.children(self), rt.isAlive(child)];
           },
           stopped(self) { stops.push(self); },
           terminated(id, reason, self) { seen.push([id, reason, self]); },
         };",
        &[
            handle(&rt),
            stops.clone().into(),
            seen.clone().into(),
            n(watched),
        ],
    );
    let parent = rt.spawn(parent, U, &U).unwrap();
    let out = Array::from(&resolved(ask(&rt, parent, s("spawn"), None)).await);
    let child = assert_id(&out.get(0));
    let rust_child = assert_id(&out.get(1));
    assert_eq!(numbers(&out.get(2)), [child, rust_child]);
    assert_eq!(out.get(3).as_bool(), Some(true));
    assert_eq!(
        numbers(&resolved(ask(&rt, parent, s("children"), None)).await),
        [child, rust_child]
    );
    assert_eq!(rt.lookup(&s("late-kid")).unwrap(), Some(child));
    let spawned: Vec<JsValue> = events_of(&events, "spawned")
        .into_iter()
        .filter(|e| get(e, "id").as_f64() == Some(child))
        .collect();
    assert_eq!(spawned.len(), 1);
    assert_eq!(get(&spawned[0], "parent").as_f64(), Some(parent));
    let echoed = Array::from(&resolved(ask(&rt, child, s("hi"), None)).await);
    assert_eq!(echoed.get(2).as_f64(), Some(child));
    let add = js("", "return { type: 'add', by: 3 };", &[]);
    assert_eq!(
        resolved(ask(&rt, rust_child, add, None)).await.as_f64(),
        Some(3.0)
    );

    // The watch made after the `await` holds.
    rt.stop(watched).unwrap();
    sleep(5).await;
    assert_eq!(terminations(&seen), [(watched, "requested".into(), parent)]);

    rt.stop(parent).unwrap();
    sleep(5).await;
    for id in [parent, child, rust_child] {
        assert!(!rt.is_alive(id).unwrap(), "{id} stopped");
    }
    for id in [child, rust_child] {
        assert_eq!(
            get(&stopped_event(&events, id), "reason")
                .as_string()
                .as_deref(),
            Some("parentStopped")
        );
    }
    let mut stopped = numbers(&stops);
    stopped.sort_by(f64::total_cmp);
    let mut both = vec![parent, child];
    both.sort_by(f64::total_cmp);
    assert_eq!(stopped, both, "both stopped hooks ran");
    assert_eq!(rt.lookup(&s("late-kid")).unwrap(), None);
    assert_eq!(num(&rt.metrics().unwrap(), "liveActors"), 0.0);
    rt.shutdown();
}

/// A JavaScript value from an expression.
fn value(expression: &str) -> JsValue {
    js("", &format!("return ({expression});"), &[])
}

/// CBOR bytes as a `Uint8Array`.
fn cbor(bytes: &[u8]) -> JsValue {
    js_sys::Uint8Array::from(bytes).into()
}

/// A CBOR number (an integer or a half, single or double float) from `bytes`.
fn cbor_number(bytes: &[u8]) -> f64 {
    let rest = &bytes[1..];
    let be = |n: usize| {
        rest[..n]
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
    };
    match bytes[0] {
        small @ 0x00..=0x17 => f64::from(small),
        0x18 => be(1) as f64,
        0x19 => be(2) as f64,
        0x1a => be(4) as f64,
        0xf9 => {
            let half = be(2) as u32;
            let (sign, exp, frac) = (half >> 15, (half >> 10) & 0x1f, half & 0x3ff);
            let magnitude = match exp {
                0 => f64::from(frac) * 2f64.powi(-24),
                0x1f => f64::INFINITY,
                _ => (1.0 + f64::from(frac) / 1024.0) * 2f64.powi(exp as i32 - 15),
            };
            if sign == 1 {
                -magnitude
            } else {
                magnitude
            }
        }
        0xfa => f64::from(f32::from_bits(be(4) as u32)),
        0xfb => f64::from_bits(be(8)),
        other => panic!("not a CBOR number: {other:#x} in {bytes:?}"),
    }
}

#[wasm_bindgen_test]
async fn an_exported_rust_counter_is_spawned_by_name_and_called_with_plain_values() {
    let rt = runtime();
    let events = record_events(&rt);
    assert_eq!(strings(&Runtime::exported_actors().into()), ["counter"]);
    let id = rt.spawn_rust(&s("counter"), U, &U).unwrap();
    assert_id(&n(id));
    assert!(rt.is_alive(id).unwrap());
    assert_eq!(events_of(&events, "spawned").len(), 1);
    sent(rt.tell(id, value("{ type: 'add', by: 2 }"))).unwrap();
    let total = resolved(ask(&rt, id, value("{ type: 'get' }"), None)).await;
    assert_eq!(total.as_f64(), Some(2.0));
    let total = resolved(ask(&rt, id, value("{ type: 'add', by: 0.5 }"), None)).await;
    assert_eq!(total.as_f64(), Some(2.5));
    let before = resolved(ask(&rt, id, value("{ type: 'reset' }"), None)).await;
    assert_eq!(before.as_f64(), Some(2.5));
    let total = resolved(ask(&rt, id, value("{ type: 'get' }"), None)).await;
    assert_eq!(total.as_f64(), Some(0.0));

    // From a JavaScript handler, which may make one its child (after an `await` too).
    let user = js(
        "rt",
        "const ask = (id, m) => new Promise((resolve, reject) => {
           const refused = rt.ask(id, m, undefined, resolve, reject);
           if (refused) reject(refused);
         });
         return { async receive(m, sender, self) {
           const counter = rt.spawnRust('counter', undefined, self);
           rt.tell(counter, { type: 'add', by: 40 });
           const total = await ask(counter, { type: 'add', by: 2 });
           return [counter, total, rt.children(self)];
         } };",
        &[handle(&rt)],
    );
    let user = rt.spawn(user, U, &U).unwrap();
    let out = Array::from(&resolved(ask(&rt, user, s("go"), None)).await);
    let counter = assert_id(&out.get(0));
    assert_eq!(out.get(1).as_f64(), Some(42.0));
    assert_eq!(numbers(&out.get(2)), [counter]);
    let metrics = rt.metrics().unwrap();
    assert_eq!(num(&metrics, "deadLetters"), 0.0);
    assert_eq!(num(&metrics, "sent"), num(&metrics, "delivered"));
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn a_value_that_does_not_fit_a_rust_actor_is_invalid_message_and_not_delivered() {
    let rt = runtime();
    let id = rt.spawn_rust(&s("counter"), U, &U).unwrap();
    sent(rt.tell(id, value("{ type: 'add', by: 2 }"))).unwrap();
    sleep(5).await;
    let before = rt.metrics().unwrap();
    let calls = Array::new();
    let record = |what: &'static str| {
        js(
            "calls, what",
            "return v => calls.push(what + ' ' + String(v && v.code));",
            &[calls.clone().into(), s(what)],
        )
        .unchecked_into::<Function>()
    };
    let bad = [
        value("{ type: 'nope' }"),
        value("() => 1"),
        value("{ type: 'add', by: 'two' }"),
        value("{ by: 1 }"),
        value("'get'"),
        value("7"),
        value("[]"),
        JsValue::NULL,
        U,
        // CBOR that is no CBOR, and CBOR of `{ type: 'nope' }`.
        cbor(&[0xff]),
        cbor(&[]),
        cbor(&[
            0xa1, 0x64, b't', b'y', b'p', b'e', 0x64, b'n', b'o', b'p', b'e',
        ]),
    ];
    for msg in &bad {
        let err = sent(rt.tell(id, msg.clone()));
        if let Err(e) = &err {
            assert!(message(e).contains("counter"), "{}", message(e));
        }
        assert_code(err, "INVALID_MESSAGE");
        assert_code(
            sent(rt.ask(id, msg.clone(), None, record("resolve"), record("reject"))),
            "INVALID_MESSAGE",
        );
    }
    // From a handler, the error is returned there too.
    let caller = js(
        "rt, counter",
        "return { receive() {
           return rt.tell(counter, { type: 'nope' })?.code ?? 'no error';
         } };",
        &[handle(&rt), n(id)],
    );
    let caller = rt.spawn(caller, U, &U).unwrap();
    assert_eq!(
        resolved(ask(&rt, caller, s("go"), None))
            .await
            .as_string()
            .as_deref(),
        Some("INVALID_MESSAGE")
    );

    // Nothing of it was sent: the counters moved by the caller's one ask only.
    sleep(5).await;
    assert_eq!(calls.length(), 0, "{:?}", strings(&calls));
    let after = rt.metrics().unwrap();
    for key in ["sent", "delivered"] {
        assert_eq!(num(&after, key), num(&before, key) + 1.0, "{key}");
    }
    for key in ["deadLetters", "rejected", "failures"] {
        assert_eq!(num(&after, key), num(&before, key), "{key}");
    }
    // And the actor's state is as it was.
    let total = resolved(ask(&rt, id, value("{ type: 'get' }"), None)).await;
    assert_eq!(total.as_f64(), Some(2.0));
    rt.shutdown();
}

#[wasm_bindgen_test]
fn an_unknown_rust_actor_kind_is_invalid_argument() {
    let rt = runtime();
    let err = rt.spawn_rust(&s("nope"), U, &U).unwrap_err();
    assert_eq!(code(&err), "INVALID_ARGUMENT");
    assert!(
        message(&err).contains("(exported: counter)"),
        "{}",
        message(&err)
    );
    for kind in [n(1.0), U, JsValue::NULL] {
        assert_code(rt.spawn_rust(&kind, U, &U), "INVALID_ARGUMENT");
    }
    assert_code(
        rt.spawn_rust(&s("counter"), value("{ capacity: 0 }"), &U),
        "INVALID_ARGUMENT",
    );
    let probe = js(
        "rt",
        "try { rt.spawnRust('nope', undefined, 0); return 'no error'; } catch (e) { return e.code; }",
        &[handle(&rt)],
    );
    assert_eq!(probe.as_string().as_deref(), Some("INVALID_ARGUMENT"));
    assert_eq!(num(&rt.metrics().unwrap(), "spawned"), 0.0);
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn a_cbor_message_to_a_rust_actor_gets_a_cbor_reply() {
    let rt = runtime();
    let id = rt.spawn_rust(&s("counter"), U, &U).unwrap();
    // `{ type: 'add', by: 2 }`, `by` a CBOR integer (as JavaScript encoders write whole numbers).
    let add = cbor(&[
        0xa2, 0x64, b't', b'y', b'p', b'e', 0x63, b'a', b'd', b'd', 0x62, b'b', b'y', 0x02,
    ]);
    sent(rt.tell(id, add.clone())).unwrap();
    let get_msg = cbor(&[0xa1, 0x64, b't', b'y', b'p', b'e', 0x63, b'g', b'e', b't']);
    let reply = resolved(ask(&rt, id, get_msg.clone(), None)).await;
    assert!(reply.is_instance_of::<js_sys::Uint8Array>(), "{reply:?}");
    assert_eq!(cbor_number(&js_sys::Uint8Array::new(&reply).to_vec()), 2.0);
    // The reply of a CBOR ask is CBOR too; the same actor still answers plain values plainly.
    let reply = resolved(ask(&rt, id, add, None)).await;
    assert_eq!(cbor_number(&js_sys::Uint8Array::new(&reply).to_vec()), 4.0);
    let plain = resolved(ask(&rt, id, value("{ type: 'get' }"), None)).await;
    assert_eq!(plain.as_f64(), Some(4.0));
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn a_watcher_learns_why_a_watched_actor_stopped() {
    let rt = runtime();
    let seen = Array::new();
    let watcher = js(
        "rt, seen",
        "return {
           receive(m, sender, self) {
             if (m.watch !== undefined) rt.watch(self, m.watch);
             if (m.unwatch !== undefined) rt.unwatch(self, m.unwatch);
             return self;
           },
           terminated(id, reason, self) { seen.push([id, reason, self]); },
         };",
        &[handle(&rt), seen.clone().into()],
    );
    let watcher = rt.spawn(watcher, U, &U).unwrap();
    let watch = |key: &str, id: f64| {
        let m = JsValue::from(js_sys::Object::new());
        Reflect::set(&m, &s(key), &n(id)).unwrap();
        m
    };
    let stopped = rt.spawn(inert(), U, &U).unwrap();
    let poisoned = rt.spawn(inert(), U, &U).unwrap();
    let unwatched = rt.spawn(inert(), U, &U).unwrap();
    for id in [stopped, poisoned, unwatched] {
        resolved(ask(&rt, watcher, watch("watch", id), None)).await;
    }
    resolved(ask(&rt, watcher, watch("unwatch", unwatched), None)).await;

    rt.stop(stopped).unwrap();
    sleep(5).await;
    assert_eq!(seen.length(), 1);
    assert_eq!(
        termination(&seen.get(0)),
        (stopped, "requested".into(), watcher)
    );

    rt.poison(poisoned).unwrap();
    rt.stop(unwatched).unwrap();
    sleep(5).await;
    assert_eq!(seen.length(), 2, "no word of the unwatched actor");
    assert_eq!(
        termination(&seen.get(1)),
        (poisoned, "poisonPill".into(), watcher)
    );

    // Watching an actor that is already gone reports it at once.
    resolved(ask(&rt, watcher, watch("watch", unwatched), None)).await;
    sleep(5).await;
    assert_eq!(seen.length(), 3);
    let (id, _, me) = termination(&seen.get(2));
    assert_eq!((id, me), (unwatched, watcher));
    assert!(rt.is_alive(watcher).unwrap());
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn a_watcher_learns_of_a_failure_the_supervisor_stopped() {
    let rt = Runtime::new(js("", "return { supervisor: { onFailure: 'stop' } };", &[])).unwrap();
    let seen = Array::new();
    let watcher = js(
        "rt, seen",
        "return {
           receive(m, sender, self) { rt.watch(self, m); },
           terminated(id, reason, self) { seen.push([id, reason, self]); },
         };",
        &[handle(&rt), seen.clone().into()],
    );
    let watcher = rt.spawn(watcher, U, &U).unwrap();
    let fragile = rt
        .spawn(
            js(
                "",
                "return { receive() { throw new Error('broken'); } };",
                &[],
            ),
            U,
            &U,
        )
        .unwrap();
    resolved(ask(&rt, watcher, n(fragile), None)).await;
    let err = rejected(ask(&rt, fragile, s("x"), None)).await;
    assert_eq!(code(&err), "HANDLER_FAILED");
    sleep(5).await;
    assert_eq!(seen.length(), 1);
    assert_eq!(
        termination(&seen.get(0)),
        (fragile, "failed".into(), watcher)
    );
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn get_or_spawn_returns_the_same_actor_and_spawns_once() {
    let rt = runtime();
    let events = record_events(&rt);
    let made = Array::new();
    let factory = js(
        "made",
        "return () => { made.push('made'); let n = 0; return { receive() { n += 1; return n; } }; };",
        &[made.clone().into()],
    );
    let first = rt.get_or_spawn(&s("session"), factory.clone()).unwrap();
    let second = rt.get_or_spawn(&s("session"), factory).unwrap();
    assert_eq!(first, second);
    // A different behaviour for a live name is not used.
    let other = js("", "return { receive() { return 'other'; } };", &[]);
    assert_eq!(rt.get_or_spawn(&s("session"), other).unwrap(), first);
    assert_eq!(rt.lookup(&s("session")).unwrap(), Some(first));
    // One instance: its count goes on across the three handles.
    assert_eq!(
        resolved(ask(&rt, first, s("a"), None)).await.as_f64(),
        Some(1.0)
    );
    assert_eq!(
        resolved(ask(&rt, second, s("b"), None)).await.as_f64(),
        Some(2.0)
    );
    assert_eq!(made.length(), 1);
    assert_eq!(num(&rt.metrics().unwrap(), "spawned"), 1.0);
    assert_eq!(events_of(&events, "spawned").len(), 1);

    // From inside a handler too, and a stopped name is spawned afresh.
    let factory = js(
        "made",
        "return () => { made.push('made'); return { receive() {} }; };",
        &[made.clone().into()],
    );
    let caller = js(
        "rt, factory",
        "return { receive() {
           return [rt.getOrSpawn('session', factory), rt.getOrSpawn('session', factory)];
         } };",
        &[handle(&rt), factory],
    );
    let caller = rt.spawn(caller, U, &U).unwrap();
    let inside = resolved(ask(&rt, caller, s("go"), None)).await;
    assert_eq!(numbers(&inside), [first, first]);
    rt.stop(first).unwrap();
    sleep(5).await;
    let again = resolved(ask(&rt, caller, s("go"), None)).await;
    let again = numbers(&again);
    assert_eq!(again[0], again[1]);
    assert_ne!(again[0], first);
    assert!(rt.is_alive(again[0]).unwrap());
    assert_eq!(made.length(), 2);
    rt.shutdown();
}

/// A parent whose children fail on `'boom'`: `'spawn'` spawns one (a counter) and returns its
/// id.
fn supervising_parent(rt: &Runtime) -> JsValue {
    js(
        "rt, counter",
        "return { receive(m, sender, self) { if (m === 'spawn') return rt.spawn(counter, undefined, self); } };",
        &[handle(rt), counter("throw new Error('child broke')")],
    )
}

#[wasm_bindgen_test]
async fn a_stop_supervisor_stops_a_failing_child_instead_of_restarting_it() {
    let rt = runtime();
    let events = record_events(&rt);
    let options = js("", "return { supervisor: { onFailure: 'stop' } };", &[]);
    let parent = rt.spawn(supervising_parent(&rt), options, &U).unwrap();
    let child = assert_id(&resolved(ask(&rt, parent, s("spawn"), None)).await);
    assert_eq!(
        resolved(ask(&rt, child, s("a"), None)).await.as_f64(),
        Some(1.0)
    );
    let err = rejected(ask(&rt, child, s("boom"), None)).await;
    assert_eq!(code(&err), "HANDLER_FAILED");
    sleep(5).await;
    assert!(!rt.is_alive(child).unwrap());
    assert!(rt.is_alive(parent).unwrap());
    assert_code(sent(rt.tell(child, s("b"))), "ACTOR_STOPPED");
    let stopped = stopped_event(&events, child);
    assert_eq!(
        get(&stopped, "reason").as_string().as_deref(),
        Some("failed")
    );
    assert!(get(&stopped, "error")
        .as_string()
        .unwrap()
        .contains("child broke"));
    let metrics = rt.metrics().unwrap();
    assert_eq!(num(&metrics, "failures"), 1.0);
    assert_eq!(num(&metrics, "restarts"), 0.0);
    assert!(events_of(&events, "restarted").is_empty());

    // Without the option, the same child is restarted (a fresh counter).
    let parent = rt.spawn(supervising_parent(&rt), U, &U).unwrap();
    let child = assert_id(&resolved(ask(&rt, parent, s("spawn"), None)).await);
    assert_eq!(
        resolved(ask(&rt, child, s("a"), None)).await.as_f64(),
        Some(1.0)
    );
    rejected(ask(&rt, child, s("boom"), None)).await;
    assert_eq!(
        resolved(ask(&rt, child, s("b"), None)).await.as_f64(),
        Some(1.0)
    );
    assert_eq!(num(&rt.metrics().unwrap(), "restarts"), 1.0);
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn a_resume_supervisor_keeps_the_failing_actors_state() {
    let rt = runtime();
    let options = js("", "return { supervisor: { onFailure: 'resume' } };", &[]);
    let parent = rt.spawn(supervising_parent(&rt), options, &U).unwrap();
    let child = assert_id(&resolved(ask(&rt, parent, s("spawn"), None)).await);
    assert_eq!(
        resolved(ask(&rt, child, s("a"), None)).await.as_f64(),
        Some(1.0)
    );
    assert_eq!(
        resolved(ask(&rt, child, s("b"), None)).await.as_f64(),
        Some(2.0)
    );
    let err = rejected(ask(&rt, child, s("boom"), None)).await;
    assert_eq!(code(&err), "HANDLER_FAILED");
    // The same instance carries on where it was.
    assert_eq!(
        resolved(ask(&rt, child, s("c"), None)).await.as_f64(),
        Some(3.0)
    );
    let metrics = rt.metrics().unwrap();
    assert_eq!(num(&metrics, "failures"), 1.0);
    assert_eq!(num(&metrics, "restarts"), 0.0);
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn the_runtime_supervisor_governs_top_level_actors() {
    for (on_failure, after_boom) in [
        ("resume", Some(3.0)),
        ("restart", Some(1.0)),
        ("stop", None),
    ] {
        let rt = Runtime::new(js(
            "f",
            "return { supervisor: { onFailure: f } };",
            &[s(on_failure)],
        ))
        .unwrap();
        // An async failure (a rejected promise) is supervised the same way as a throw.
        let id = rt
            .spawn(counter("return Promise.reject(new Error('late'))"), U, &U)
            .unwrap();
        assert_eq!(
            resolved(ask(&rt, id, s("a"), None)).await.as_f64(),
            Some(1.0)
        );
        assert_eq!(
            resolved(ask(&rt, id, s("b"), None)).await.as_f64(),
            Some(2.0)
        );
        let err = rejected(ask(&rt, id, s("boom"), None)).await;
        assert_eq!(code(&err), "HANDLER_FAILED", "{on_failure}");
        sleep(5).await;
        match after_boom {
            Some(count) => {
                let got = resolved(ask(&rt, id, s("c"), None)).await;
                assert_eq!(got.as_f64(), Some(count), "{on_failure}");
            }
            None => assert!(!rt.is_alive(id).unwrap(), "{on_failure}"),
        }
        rt.shutdown();
    }
}

#[wasm_bindgen_test]
fn the_node_getter_gives_the_runtime_node() {
    let rt = runtime();
    assert_eq!(rt.node(), 0);
    rt.shutdown();
    let rt = Runtime::new(js("", "return { node: 7 };", &[])).unwrap();
    assert_eq!(rt.node(), 7);
    assert_eq!(get(&handle(&rt), "node").as_f64(), Some(7.0));
    // Ids stay local numbers whatever the node.
    let id = rt.spawn(inert(), U, &U).unwrap();
    assert_id(&n(id));
    assert!(rt.is_alive(id).unwrap());
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn an_ask_callback_that_calls_the_runtime_is_refused_not_fatal() {
    // `resolve` and `reject` may run while the core holds the system: `reject` at once inside
    // `ask` for an actor that is not there, `resolve` in the drain that handles the ask. The
    // resolvers of a promise (what the TypeScript layer passes) run no user code then; a plain
    // callback that calls back in gets RUNTIME_BUSY, and the runtime carries on.
    let rt = runtime();
    let id = rt
        .spawn(js("", "return { receive(m) { return m; } };", &[]), U, &U)
        .unwrap();
    let outcome = js(
        "rt, id",
        "const out = [];
         const call = what => v => {
           try { out.push(what + ' ' + rt.isAlive(id)); } catch (e) { out.push(what + ' ' + e.code); }
         };
         rt.ask(id, 'sync', undefined, call('resolved'), call('rejected'));
         rt.ask(id + 1000, 'nobody', undefined, call('resolved'), call('rejected'));
         out.push('returned');
         return out;",
        &[handle(&rt), n(id)],
    );
    sleep(5).await;
    assert_eq!(
        strings(&outcome),
        ["rejected RUNTIME_BUSY", "returned", "resolved RUNTIME_BUSY"]
    );
    assert_eq!(
        resolved(ask(&rt, id, s("after"), None))
            .await
            .as_string()
            .as_deref(),
        Some("after")
    );
    rt.shutdown();
}
