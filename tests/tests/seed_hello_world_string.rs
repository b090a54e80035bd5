//! Seed "hello world (string)": an actor with `sayHello(name)` and `getCount`.
//!
//! Promise: tells are handled in the order they were sent, on the driver's turn; an ask sees
//! every tell sent before it; the greetings an actor produces are recorded in order.

use backstage_core::{
    Actor, ActorError, Context, DeadLetterReason, Handler, ManualDriver, Message, Runtime,
    SendError,
};
use backstage_tests::{ask, assert_balanced, settle, Record};

/// The seed's actor: counts greetings and keeps them; `out` plays the role of its console.
struct HelloWorld {
    count: u64,
    greetings: Vec<String>,
    out: Record<String>,
}

impl HelloWorld {
    fn new(out: Record<String>) -> Self {
        HelloWorld {
            count: 0,
            greetings: Vec::new(),
            out,
        }
    }
}

impl Actor for HelloWorld {}

/// `sayHello(name: string): void`
struct SayHello(String);
impl Message for SayHello {
    type Reply = ();
}

/// `getCount(): number`
struct GetCount;
impl Message for GetCount {
    type Reply = u64;
}

/// The greetings so far.
struct GetGreetings;
impl Message for GetGreetings {
    type Reply = Vec<String>;
}

impl Handler<SayHello> for HelloWorld {
    fn handle(
        &mut self,
        SayHello(name): SayHello,
        _: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        let greeting = format!("Hello, {name}!");
        self.count += 1;
        self.out.push(greeting.clone());
        self.greetings.push(greeting);
        Ok(())
    }
}

impl Handler<GetCount> for HelloWorld {
    fn handle(&mut self, _: GetCount, _: &mut Context<'_, Self>) -> Result<u64, ActorError> {
        Ok(self.count)
    }
}

impl Handler<GetGreetings> for HelloWorld {
    fn handle(
        &mut self,
        _: GetGreetings,
        _: &mut Context<'_, Self>,
    ) -> Result<Vec<String>, ActorError> {
        Ok(self.greetings.clone())
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn two_tells_then_ask_count_is_two_and_greetings_are_in_order() {
    let mut driver = ManualDriver::default();
    let out = Record::new();
    let hello = driver.spawn({
        let out = out.clone();
        move || HelloWorld::new(out.clone())
    });

    driver.tell(&hello, SayHello("Alice".into())).unwrap();
    driver.tell(&hello, SayHello("Bob".into())).unwrap();

    assert_eq!(ask(&mut driver, &hello, GetCount), Ok(2));
    let expected = vec!["Hello, Alice!".to_string(), "Hello, Bob!".to_string()];
    assert_eq!(ask(&mut driver, &hello, GetGreetings), Ok(expected.clone()));
    assert_eq!(out.snapshot(), expected);

    settle(&mut driver);
    let m = driver.metrics();
    assert_eq!(
        (m.sent, m.delivered, m.dead_letters, m.rejected),
        (4, 4, 0, 0)
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_tell_is_handled_on_the_drivers_turn_not_inside_tell() {
    let mut driver = ManualDriver::default();
    let out = Record::new();
    let hello = driver.spawn({
        let out = out.clone();
        move || HelloWorld::new(out.clone())
    });

    driver.tell(&hello, SayHello("Alice".into())).unwrap();
    assert!(out.is_empty(), "tell must not run the handler itself");
    assert_eq!(driver.actor_info(hello.id()).unwrap().mailbox_len, 1);

    driver.run_until_idle();
    assert_eq!(out.snapshot(), ["Hello, Alice!"]);
    assert_eq!(driver.actor_info(hello.id()).unwrap().mailbox_len, 0);
    assert_eq!(driver.actor_info(hello.id()).unwrap().processed, 1);
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn many_greetings_keep_their_order_and_an_ask_sees_exactly_the_tells_before_it() {
    let mut driver = ManualDriver::default();
    let out = Record::new();
    let hello = driver.spawn({
        let out = out.clone();
        move || HelloWorld::new(out.clone())
    });
    // A second, busy actor competes for turns: order must survive the scheduler's quanta.
    let other_out = Record::new();
    let other = driver.spawn({
        let out = other_out.clone();
        move || HelloWorld::new(out.clone())
    });

    let names: Vec<String> = (0..300).map(|i| format!("n{i}")).collect();
    for name in &names[..150] {
        driver.tell(&hello, SayHello(name.clone())).unwrap();
        driver.tell(&other, SayHello(name.clone())).unwrap();
    }
    let count_midway = driver.system.ask(&hello, GetCount);
    for name in &names[150..] {
        driver.tell(&hello, SayHello(name.clone())).unwrap();
    }

    assert_eq!(driver.block_on(count_midway), Some(Ok(150)));
    assert_eq!(ask(&mut driver, &hello, GetCount), Ok(300));
    let expected: Vec<String> = names.iter().map(|n| format!("Hello, {n}!")).collect();
    assert_eq!(out.snapshot(), expected);
    assert_eq!(other_out.snapshot(), expected[..150].to_vec());
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_stopped_greeter_refuses_greetings_as_dead_letters() {
    let mut driver = ManualDriver::default();
    let out = Record::new();
    let hello = driver.spawn({
        let out = out.clone();
        move || HelloWorld::new(out.clone())
    });
    driver.tell(&hello, SayHello("Alice".into())).unwrap();
    driver.run_until_idle();
    driver.stop(hello.id()).unwrap();
    driver.run_until_idle();

    assert!(!driver.is_alive(hello.id()));
    assert_eq!(
        driver.tell(&hello, SayHello("Bob".into())),
        Err(SendError::Stopped(hello.id()))
    );
    assert_eq!(
        ask(&mut driver, &hello, GetCount),
        Err(SendError::Stopped(hello.id()).into())
    );
    let dead: Vec<_> = driver
        .dead_letters()
        .map(|d| {
            (
                d.to,
                d.reason,
                d.downcast_ref::<SayHello>().map(|m| m.0.clone()),
            )
        })
        .collect();
    assert_eq!(
        dead,
        [
            (
                Some(hello.id()),
                DeadLetterReason::ActorStopped,
                Some("Bob".to_string())
            ),
            (Some(hello.id()), DeadLetterReason::ActorStopped, None),
        ]
    );
    assert_eq!(out.snapshot(), ["Hello, Alice!"]);
    assert_balanced(&driver.system);
}
