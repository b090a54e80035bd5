//! Seed 000 "hello world (struct)" in the proxy style: a method taking a custom struct.
//!
//! Promises: a serde struct with nested vectors, options and maps travels to an actor method
//! and back unchanged, locally (moved, never encoded) and in wire form (CBOR through the
//! dispatcher), where it equals the local result; an actor that is not `Default` is activated
//! with its id ([`Activate`]).

use std::collections::BTreeMap;

use backstage_core::wire::{self, Dispatcher, Limits};
use backstage_core::{actor, Activate, Actor, ManualDriver, Runtime};
use backstage_tests::{call_frame, reply, settle};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Address {
    street: String,
    city: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Person {
    name: String,
    age: u32,
    emails: Vec<String>,
    address: Option<Address>,
    scores: BTreeMap<String, i64>,
}

fn ada() -> Person {
    Person {
        name: "Ada".into(),
        age: 36,
        emails: vec!["ada@example.org".into(), "countess@example.org".into()],
        address: Some(Address {
            street: "St James's Square".into(),
            city: "London".into(),
        }),
        scores: BTreeMap::from([("maths".into(), 100), ("poetry".into(), -3)]),
    }
}

fn nobody() -> Person {
    Person {
        name: String::new(),
        age: 0,
        emails: Vec::new(),
        address: None,
        scores: BTreeMap::new(),
    }
}

/// Not `Default`: its state is made from the id it is activated under.
struct Greeter {
    greeting: String,
    met: Vec<Person>,
}
impl Actor for Greeter {}

impl Activate for Greeter {
    fn activate(id: &str) -> Self {
        Greeter {
            greeting: format!("{id} says hello"),
            met: Vec::new(),
        }
    }
}

#[actor]
impl Greeter {
    /// Greets a person, reading its fields.
    pub fn greet(&mut self, person: Person) -> String {
        let city = person
            .address
            .as_ref()
            .map_or("nowhere", |a| a.city.as_str());
        let text = format!(
            "{} to {} ({}), from {city}, {} email(s)",
            self.greeting,
            person.name,
            person.age,
            person.emails.len()
        );
        self.met.push(person);
        text
    }

    /// Remembers a person without answering (a tell).
    pub fn remember(&mut self, person: Person) {
        self.met.push(person);
    }

    /// Everyone met, in order.
    pub fn people(&self) -> Vec<Person> {
        self.met.clone()
    }

    /// The oldest person met, if any.
    pub fn oldest(&self) -> Option<Person> {
        self.met.iter().max_by_key(|p| p.age).cloned()
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_struct_reaches_the_method_and_comes_back_unchanged() {
    let mut driver = ManualDriver::default();
    let greeter = driver.actor::<Greeter>("hello_actor").unwrap();
    assert_eq!(
        reply(&mut driver, greeter.greet(ada())),
        Ok("hello_actor says hello to Ada (36), from London, 2 email(s)".to_string())
    );
    greeter.remember(nobody());
    assert_eq!(
        reply(&mut driver, greeter.people()),
        Ok(vec![ada(), nobody()])
    );
    assert_eq!(reply(&mut driver, greeter.oldest()), Ok(Some(ada())));
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn the_same_struct_in_wire_form_gives_the_same_results() {
    let mut driver = ManualDriver::default();
    let dispatcher = Dispatcher::of::<Greeter>();
    let limits = Limits::default();
    let id = dispatcher.activate(&mut driver, "wire_actor").unwrap();

    let frame = wire::encode_call(GreeterGreet(ada())).unwrap();
    let bytes = call_frame(&mut driver, &dispatcher, id, &frame, &limits).unwrap();
    assert_eq!(
        wire::decode_reply::<GreeterGreet>(&bytes, &limits),
        Ok("wire_actor says hello to Ada (36), from London, 2 email(s)".to_string())
    );

    let frame = wire::encode_call(GreeterRemember(nobody())).unwrap();
    let bytes = call_frame(&mut driver, &dispatcher, id, &frame, &limits).unwrap();
    assert_eq!(bytes, [0xf6], "a method without a value replies CBOR null");

    let frame = wire::encode_call(GreeterPeople).unwrap();
    let bytes = call_frame(&mut driver, &dispatcher, id, &frame, &limits).unwrap();
    assert_eq!(
        wire::decode_reply::<GreeterPeople>(&bytes, &limits),
        Ok(vec![ada(), nobody()])
    );

    // The proxy of the same actor sees what the frames did.
    let greeter = driver.actor::<Greeter>("wire_actor").unwrap();
    assert_eq!(greeter.id(), id);
    assert_eq!(reply(&mut driver, greeter.oldest()), Ok(Some(ada())));
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_struct_encodes_as_a_map_keyed_by_field_name() {
    // What another language sends: { "street": .., "city": .. } inside the argument array.
    let frame = wire::encode_call(GreeterRemember(Person {
        address: Some(Address {
            street: "s".into(),
            city: "c".into(),
        }),
        ..nobody()
    }))
    .unwrap();
    let text = String::from_utf8_lossy(&frame);
    for key in [
        "name", "age", "emails", "address", "street", "city", "scores",
    ] {
        assert!(text.contains(key), "{key} is in the frame");
    }
    let back: GreeterRemember = wire::decode_call(&frame, &Limits::default()).unwrap();
    assert_eq!(back.0.address.unwrap().city, "c");
}
