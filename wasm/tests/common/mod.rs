//! The bodies of the wasm tests, shared by `node.rs` (Node) and `browser.rs` (headless
//! Chromium). Behaviours are written in JavaScript, as users of the package write them.
//!
//! No `#[wasm_bindgen]` import may be declared here (the library declares `setTimeout` and
//! `queueMicrotask`; a second declaration in this package fails to link): JavaScript helpers are
//! built with `Function::new_with_args`.

use backstage_wasm::Runtime;
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

const U: JsValue = JsValue::UNDEFINED;

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

/// Throws with `expected` code.
fn assert_code<T: std::fmt::Debug>(result: Result<T, JsValue>, expected: &str) {
    match result {
        Ok(value) => panic!("expected an error {expected}, got Ok({value:?})"),
        Err(err) => {
            assert_eq!(code(&err), expected, "{}", message(&err));
            assert!(err.is_instance_of::<js_sys::Error>());
        }
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

#[wasm_bindgen_test]
async fn tell_then_ask_returns_what_the_actor_accumulated() {
    let rt = runtime();
    let list = js(
        "",
        "const items = [];
         return { receive(m, ctx) {
           if (m === 'get') return items.slice();
           if (m === 'who') return [ctx.self, String(ctx.sender)];
           items.push(m);
         } };",
        &[],
    );
    let id = s(&rt.spawn(list, U).unwrap());
    for item in ["a", "b", "c"] {
        rt.tell(&id, s(item)).unwrap();
    }
    let got = resolved(rt.ask(&id, s("get"), U)).await;
    assert_eq!(strings(&got), ["a", "b", "c"]);
    let who = resolved(rt.ask(&id, s("who"), U)).await;
    assert_eq!(strings(&who), [id.as_string().unwrap(), "undefined".into()]);
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
    let id = s(&rt.spawn(slow, U).unwrap());
    rt.tell(&id, s("a")).unwrap();
    rt.tell(&id, s("b")).unwrap();
    let reply = resolved(rt.ask(&id, s("c"), U)).await;
    assert_eq!(reply.as_string().as_deref(), Some("c!"));
    let log = resolved(rt.ask(&id, s("log"), U)).await;
    assert_eq!(
        strings(&log),
        ["start a", "end a", "start b", "end b", "start c", "end c"]
    );
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn handlers_call_the_runtime_synchronously() {
    let rt = runtime();
    let handle = JsValue::from(rt.clone());
    let parent = js(
        "rt",
        "const log = [];
         return { receive(m, ctx) {
           if (m === 'log') return log.slice();
           if (m === 'note') { log.push('note from ' + (ctx.sender === ctx.self ? 'self' : ctx.sender)); return; }
           if (m !== 'go') return;
           const childLog = [];
           const child = rt.spawn({ receive(x, c) {
             if (x === 'log') return childLog.slice();
             childLog.push(x + (c.sender === ctx.self ? ' from parent' : ' from ' + c.sender));
           } }, { name: 'child' });
           rt.tell(child, 'hello');
           rt.tell(ctx.self, 'note');
           rt.subscribe('news', child);
           const subscribers = rt.publish('news', 'extra');
           const victim = rt.spawn({ receive() {} });
           const victimWasAlive = rt.isAlive(victim);
           rt.stop(victim);
           rt.poison(victim);
           let busy;
           try { rt.metrics(); } catch (e) { busy = e.code; }
           return { child, victim, victimWasAlive, subscribers, busy, looked: rt.lookup('child') };
         } };",
        &[handle],
    );
    let id = s(&rt.spawn(parent, U).unwrap());
    let out = resolved(rt.ask(&id, s("go"), U)).await;
    let child = get(&out, "child");
    let victim = get(&out, "victim");
    assert!(child.as_string().is_some(), "spawn returned the id at once");
    assert_eq!(get(&out, "looked").as_string(), child.as_string());
    assert_eq!(get(&out, "victimWasAlive").as_bool(), Some(true));
    assert_eq!(num(&out, "subscribers"), 1.0);
    assert_eq!(
        get(&out, "busy").as_string().as_deref(),
        Some("RUNTIME_BUSY")
    );

    let child_log = resolved(rt.ask(&child, s("log"), U)).await;
    assert_eq!(
        strings(&child_log),
        ["hello from parent", "extra from parent"]
    );
    let parent_log = resolved(rt.ask(&id, s("log"), U)).await;
    assert_eq!(strings(&parent_log), ["note from self"]);
    assert!(!rt.is_alive(&victim).unwrap());

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
async fn an_async_handler_can_await_an_ask_it_makes() {
    let rt = runtime();
    let echo = js(
        "",
        "return { receive(m) { return m.toUpperCase(); } };",
        &[],
    );
    let echo = s(&rt.spawn(echo, U).unwrap());
    let asker = js(
        "rt, echo",
        "return { async receive(m) {
           const first = await rt.ask(echo, m);
           const second = await rt.ask(echo, m + '?', 1000);
           return first + ' ' + second;
         } };",
        &[JsValue::from(rt.clone()), echo],
    );
    let asker = s(&rt.spawn(asker, U).unwrap());
    let reply = resolved(rt.ask(&asker, s("hi"), U)).await;
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
    let id = s(&rt.spawn(counter(failure), U).unwrap());
    assert_eq!(resolved(rt.ask(&id, s("a"), U)).await.as_f64(), Some(1.0));
    assert_eq!(resolved(rt.ask(&id, s("b"), U)).await.as_f64(), Some(2.0));
    let err = rejected(rt.ask(&id, s("boom"), U)).await;
    assert_eq!(code(&err), "HANDLER_FAILED");
    assert!(message(&err).contains(error_text), "{}", message(&err));
    // A fresh instance from the factory.
    assert_eq!(resolved(rt.ask(&id, s("c"), U)).await.as_f64(), Some(1.0));
    assert!(rt.is_alive(&id).unwrap());
    let metrics = rt.metrics().unwrap();
    assert_eq!(num(&metrics, "restarts"), 1.0);
    assert_eq!(num(&metrics, "failures"), 1.0);
    let failed = events_of(&events, "failed");
    assert_eq!(failed.len(), 1);
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
    let id = s(&rt.spawn(silent, U).unwrap());
    let started = js_sys::Date::now();
    let err = rejected(rt.ask(&id, s("anyone?"), JsValue::from(30))).await;
    let waited = js_sys::Date::now() - started;
    assert_eq!(code(&err), "ASK_TIMEOUT");
    assert!(waited >= 25.0, "timed out after {waited} ms");
    assert_code(rt.ask(&id, s("x"), JsValue::from(-1)), "INVALID_ARGUMENT");
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn a_tell_to_a_stopped_actor_throws_and_is_a_dead_letter() {
    let rt = runtime();
    let events = record_events(&rt);
    let stops = Array::new();
    let actor = js(
        "stops",
        "return { receive() {}, stopped(ctx) { stops.push(ctx.self); } };",
        &[stops.clone().into()],
    );
    let id = s(&rt.spawn(actor, U).unwrap());
    // Once it has started, so that stopping it runs its `stopped` hook.
    resolved(rt.ask(&id, s("ping"), U)).await;
    rt.stop(&id).unwrap();
    sleep(5).await;
    assert!(!rt.is_alive(&id).unwrap());
    assert_eq!(strings(&stops), [id.as_string().unwrap()]);

    assert_code(rt.tell(&id, s("late")), "ACTOR_STOPPED");
    let err = rejected(rt.ask(&id, s("later"), U)).await;
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
    assert_eq!(get(&first, "to").as_string(), id.as_string());
    assert!(get(&first, "from").is_undefined());
    assert_eq!(
        get(&first, "reason").as_string().as_deref(),
        Some("ACTOR_STOPPED")
    );
    assert_eq!(get(&first, "message").as_string().as_deref(), Some("late"));
    assert!(get(&first, "messageType").as_string().is_some());

    let stopped = events_of(&events, "stopped");
    assert_eq!(stopped.len(), 1);
    assert_eq!(
        get(&stopped[0], "reason").as_string().as_deref(),
        Some("requested")
    );
    assert_eq!(events_of(&events, "deadLetter").len(), 2);
    rt.shutdown();
}

#[wasm_bindgen_test]
fn malformed_and_unknown_ids_are_no_such_actor() {
    let rt = runtime();
    for bad in [
        s("nope"),
        s("1.2"),
        s("1.2.3.4"),
        s("-1.0.0"),
        JsValue::from(7),
        U,
    ] {
        assert_code(rt.tell(&bad, s("x")), "NO_SUCH_ACTOR");
        assert_code(rt.ask(&bad, s("x"), U), "NO_SUCH_ACTOR");
        assert_code(rt.stop(&bad), "NO_SUCH_ACTOR");
        assert_code(rt.is_alive(&bad), "NO_SUCH_ACTOR");
    }
    // Well-formed, but no actor ever had it.
    assert_code(rt.tell(&s("0.999.0"), s("x")), "NO_SUCH_ACTOR");
    rt.shutdown();
}

#[wasm_bindgen_test]
fn a_taken_name_is_refused() {
    let rt = runtime();
    let behaviour = || js("", "return { receive() {} };", &[]);
    let named = JsValue::from(js_sys::Object::new());
    Reflect::set(&named, &s("name"), &s("svc")).unwrap();
    let first = rt.spawn(behaviour(), named.clone()).unwrap();
    assert_code(rt.spawn(behaviour(), named), "NAME_TAKEN");
    assert_eq!(rt.lookup(&s("svc")).unwrap(), Some(first));
    assert_eq!(rt.lookup(&s("nobody")).unwrap(), None);
    rt.shutdown();
}

#[wasm_bindgen_test]
fn bad_arguments_are_invalid_argument() {
    let rt = runtime();
    assert_code(rt.spawn(JsValue::from(3), U), "INVALID_ARGUMENT");
    assert_code(rt.spawn(js("", "return {};", &[]), U), "INVALID_ARGUMENT");
    let behaviour = js("", "return { receive() {} };", &[]);
    for options in [
        "return { overflow: 'sometimes' };",
        "return { capacity: 0 };",
        "return { capacity: 1.5 };",
        "return { name: 5 };",
        "return 'options';",
    ] {
        assert_code(
            rt.spawn(behaviour.clone(), js("", options, &[])),
            "INVALID_ARGUMENT",
        );
    }
    assert_code(
        Runtime::new(js("", "return { budget: -1 };", &[])).map(drop),
        "INVALID_ARGUMENT",
    );
    assert_code(rt.on_event(&s("not a function")), "INVALID_ARGUMENT");
    rt.shutdown();
}

#[wasm_bindgen_test]
fn a_full_mailbox_rejects() {
    let rt = runtime();
    let options = js("", "return { capacity: 1, overflow: 'reject' };", &[]);
    let id = s(&rt
        .spawn(js("", "return { receive() {} };", &[]), options)
        .unwrap());
    rt.tell(&id, s("one")).unwrap();
    assert_code(rt.tell(&id, s("two")), "MAILBOX_FULL");
    assert_eq!(num(&rt.metrics().unwrap(), "rejected"), 1.0);
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn after_shutdown_every_call_throws() {
    let rt = runtime();
    let stops = Array::new();
    let actor = js(
        "stops",
        "return { receive() {}, stopped(ctx) { stops.push(ctx.self); } };",
        &[stops.clone().into()],
    );
    let id = s(&rt.spawn(actor, U).unwrap());
    resolved(rt.ask(&id, s("ping"), U)).await;
    rt.shutdown();
    assert!(rt.is_shut_down());
    assert_eq!(strings(&stops), [id.as_string().unwrap()]);
    let behaviour = js("", "return { receive() {} };", &[]);
    assert_code(rt.spawn(behaviour, U), "RUNTIME_SHUT_DOWN");
    assert_code(rt.tell(&id, s("x")), "RUNTIME_SHUT_DOWN");
    assert_code(rt.tell(&s("not an id"), s("x")), "RUNTIME_SHUT_DOWN");
    assert_code(rt.ask(&id, s("x"), U), "RUNTIME_SHUT_DOWN");
    assert_code(rt.stop(&id), "RUNTIME_SHUT_DOWN");
    assert_code(rt.poison(&id), "RUNTIME_SHUT_DOWN");
    assert_code(rt.lookup(&s("x")), "RUNTIME_SHUT_DOWN");
    assert_code(rt.is_alive(&id), "RUNTIME_SHUT_DOWN");
    assert_code(rt.publish(&s("t"), s("x")), "RUNTIME_SHUT_DOWN");
    assert_code(rt.subscribe(&s("t"), &id), "RUNTIME_SHUT_DOWN");
    assert_code(rt.unsubscribe(&s("t"), &id), "RUNTIME_SHUT_DOWN");
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
    let id = s(&rt
        .spawn(js("", "return { receive(m) { return m; } };", &[]), U)
        .unwrap());
    let ask = rt.ask(&id, s("queued"), U);
    rt.shutdown();
    let err = rejected(ask).await;
    assert_eq!(code(&err), "ACTOR_STOPPED");
}

#[wasm_bindgen_test]
async fn publications_reach_every_subscriber() {
    let rt = runtime();
    let make = || {
        js(
            "",
            "const seen = []; return { receive(m) { if (m === 'seen') return seen.slice(); seen.push(m); } };",
            &[],
        )
    };
    let a = s(&rt.spawn(make(), U).unwrap());
    let b = s(&rt.spawn(make(), U).unwrap());
    rt.subscribe(&s("news"), &a).unwrap();
    rt.subscribe(&s("news"), &b).unwrap();
    assert_eq!(rt.publish(&s("news"), s("one")).unwrap(), 2);
    assert!(rt.unsubscribe(&s("news"), &b).unwrap());
    assert_eq!(rt.publish(&s("news"), s("two")).unwrap(), 1);
    assert_eq!(rt.publish(&s("other"), s("none")).unwrap(), 0);
    assert_eq!(
        strings(&resolved(rt.ask(&a, s("seen"), U)).await),
        ["one", "two"]
    );
    assert_eq!(strings(&resolved(rt.ask(&b, s("seen"), U)).await), ["one"]);
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn event_listeners_may_call_the_runtime() {
    let rt = runtime();
    let greeter = js(
        "rt",
        "return e => { if (e.type === 'spawned') rt.tell(e.id, 'welcome'); };",
        &[JsValue::from(rt.clone())],
    );
    rt.on_event(&greeter).unwrap();
    let id = s(&rt
        .spawn(
            js(
                "",
                "const seen = []; return { receive(m) { if (m === 'seen') return seen.slice(); seen.push(m); } };",
                &[],
            ),
            U,
        )
        .unwrap());
    assert_eq!(
        strings(&resolved(rt.ask(&id, s("seen"), U)).await),
        ["welcome"]
    );
    assert!(rt.off_event(&greeter).unwrap());
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
    let id = s(&rt.spawn(actor, options).unwrap());
    for i in 0..10_000u32 {
        rt.tell(&id, JsValue::from(i)).unwrap();
    }
    let count = resolved(rt.ask(&id, s("count"), U)).await;
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
async fn an_async_started_hook_holds_messages_until_it_settles() {
    let rt = runtime();
    let actor = js(
        "",
        "const log = [];
         return {
           started() {
             log.push('starting');
             return new Promise(resolve => setTimeout(() => { log.push('started'); resolve(); }, 5));
           },
           receive(m) { log.push(m); return log.slice(); },
         };",
        &[],
    );
    let id = s(&rt.spawn(actor, U).unwrap());
    rt.tell(&id, s("first")).unwrap();
    let log = resolved(rt.ask(&id, s("second"), U)).await;
    assert_eq!(strings(&log), ["starting", "started", "first", "second"]);
    rt.shutdown();
}

#[wasm_bindgen_test]
async fn a_handler_may_shut_the_runtime_down() {
    let rt = runtime();
    let stops = Array::new();
    let actor = js(
        "rt, stops",
        "return {
           receive(m, ctx) {
             rt.shutdown();
             try { rt.tell(ctx.self, 'more'); } catch (e) { return e.code; }
             return 'no error';
           },
           stopped(ctx) { stops.push(ctx.self); },
         };",
        &[JsValue::from(rt.clone()), stops.clone().into()],
    );
    let id = s(&rt.spawn(actor, U).unwrap());
    let reply = resolved(rt.ask(&id, s("stop everything"), U)).await;
    assert_eq!(reply.as_string().as_deref(), Some("RUNTIME_SHUT_DOWN"));
    assert!(rt.is_shut_down());
    // The actors stopped once the drain step that ran the handler was over.
    assert_eq!(strings(&stops), [id.as_string().unwrap()]);
    assert_code(rt.is_alive(&id), "RUNTIME_SHUT_DOWN");
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
    let id = s(&rt.spawn(actor, U).unwrap());
    let reply = resolved(rt.ask(&id, s("thenable"), U)).await;
    assert_eq!(reply.as_string().as_deref(), Some("via thenable"));
    let err = rejected(rt.ask(&id, s("bad"), U)).await;
    assert_eq!(code(&err), "HANDLER_FAILED");
    assert!(message(&err).contains("bad then"), "{}", message(&err));
    // The same behaviour object, restarted.
    let reply = resolved(rt.ask(&id, s("x"), U)).await;
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
        "return { receive(m, ctx) { log.push(m + ' from ' + (ctx.sender || 'outside')); return 'ok'; } };",
        &[log.clone().into()],
    );
    let target = rt.spawn(target, U).unwrap();
    let asker = js(
        "rt, target",
        "return { receive(m, ctx) { rt.ask(target, 'ask'); rt.tell(target, 'tell'); return ctx.self; } };",
        &[rt.clone().into(), s(&target)],
    );
    let asker = rt.spawn(asker, U).unwrap();
    let asker_id = resolved(rt.ask(&s(&asker), s("go"), U)).await;
    resolved(rt.ask(&s(&target), s("sync"), U)).await;
    let me = asker_id.as_string().unwrap();
    assert_eq!(
        strings(&log),
        [
            format!("ask from {me}"),
            format!("tell from {me}"),
            "sync from outside".into()
        ]
    );
}
