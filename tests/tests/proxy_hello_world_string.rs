//! Seed 000 "hello world (string)" in the proxy style: `getActor(Proxy, "hello_actor")`, then
//! `actor.sayHello("World")`.
//!
//! Promises: `rt.actor::<A>(id)` creates the actor on first use and finds the same one
//! afterwards; proxy calls are queued (nothing runs inside the call) and handled in the order
//! they were made, tells and asks alike; a proxy call is the plain typed message a hand-written
//! handler gets (the same value reaches the mailbox, and a dead letter shows it as such).

use std::any::type_name;

use backstage_core::{actor, Actor, DeadLetterReason, ManualDriver, Runtime};
use backstage_tests::{reply, settle};

#[derive(Default)]
struct HelloWorld {
    count: u32,
    greetings: Vec<String>,
}
impl Actor for HelloWorld {}

#[actor]
impl HelloWorld {
    /// `sayHello(name)`: a tell.
    pub fn say_hello(&mut self, name: String) {
        self.count += 1;
        self.greetings
            .push(format!("Hello, {name}! (Message #{})", self.count));
    }

    /// `getCount()`: an ask.
    pub fn get_count(&self) -> u32 {
        self.count
    }

    /// Everything said so far.
    pub fn greetings(&self) -> Vec<String> {
        self.greetings.clone()
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn get_actor_creates_the_actor_on_first_use_and_finds_it_afterwards() {
    let mut driver = ManualDriver::default();
    assert_eq!(driver.lookup("hello_actor"), None);

    let first = driver.actor::<HelloWorld>("hello_actor").unwrap();
    let again = driver.actor::<HelloWorld>("hello_actor").unwrap();
    assert_eq!(first, again);
    assert_eq!(driver.lookup("hello_actor"), Some(first.id()));
    assert_eq!(driver.metrics().spawned, 1);

    let other = driver.actor::<HelloWorld>("another").unwrap();
    assert_ne!(other.id(), first.id());
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn calls_are_queued_and_handled_in_order_on_the_drivers_turn() {
    let mut driver = ManualDriver::default();
    let actor = driver.actor::<HelloWorld>("hello_actor").unwrap();
    driver.run_until_idle();

    actor.say_hello("World".into());
    actor.say_hello("Zig".into());
    let count = actor.get_count();
    actor.say_hello("Rust".into());
    assert_eq!(
        driver.actor_info(actor.id()).unwrap().processed,
        0,
        "a proxy call does not run the handler"
    );

    assert_eq!(
        reply(&mut driver, count),
        Ok(2),
        "the ask sees the calls before it"
    );
    assert_eq!(
        reply(&mut driver, actor.greetings()),
        Ok(vec![
            "Hello, World! (Message #1)".to_string(),
            "Hello, Zig! (Message #2)".to_string(),
            "Hello, Rust! (Message #3)".to_string(),
        ])
    );
    settle(&mut driver);
    let m = driver.metrics();
    assert_eq!((m.sent, m.delivered, m.dead_letters), (5, 5, 0));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn many_calls_keep_their_order_across_scheduler_turns() {
    let mut driver = ManualDriver::default();
    let a = driver.actor::<HelloWorld>("a").unwrap();
    let b = driver.actor::<HelloWorld>("b").unwrap();
    for i in 0..300 {
        a.say_hello(format!("a{i}"));
        b.say_hello(format!("b{i}"));
    }
    assert_eq!(reply(&mut driver, a.get_count()), Ok(300));
    let greetings = reply(&mut driver, b.greetings()).unwrap();
    let expected: Vec<String> = (0..300)
        .map(|i| format!("Hello, b{i}! (Message #{})", i + 1))
        .collect();
    assert_eq!(greetings, expected);
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_proxy_call_is_the_plain_typed_message() {
    let mut driver = ManualDriver::default();
    let actor = driver.actor::<HelloWorld>("hello_actor").unwrap();
    // The generated message is an ordinary message: the core's typed API takes it too, in
    // the same mailbox order.
    actor.say_hello("proxy".into());
    driver.run_until_idle();
    driver
        .tell(&actor.addr(), HelloWorldSayHello("typed".into()))
        .unwrap();
    assert_eq!(reply(&mut driver, actor.get_count()), Ok(2));

    // Undeliverable, it is a dead letter holding that value, not bytes.
    driver.stop(actor.id()).unwrap();
    driver.run_until_idle();
    actor.say_hello("too late".into());
    driver.run_until_idle();
    let dead = driver.take_dead_letters();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].reason, DeadLetterReason::ActorStopped);
    assert_eq!(dead[0].message_type, type_name::<HelloWorldSayHello>());
    assert_eq!(
        dead[0]
            .downcast_ref::<HelloWorldSayHello>()
            .map(|m| m.0.as_str()),
        Some("too late")
    );
    settle(&mut driver);
}
