//! Seed "hello world (struct)": a message carrying a custom struct.
//!
//! Promise: a struct with several fields, nested vectors and options travels to an actor and
//! back unchanged; the actor can read every field of it.

use backstage_core::{Actor, ActorError, Context, Handler, ManualDriver, Message, Runtime};
use backstage_tests::{ask, settle};

#[derive(Clone, Debug, PartialEq)]
struct Address {
    street: String,
    city: String,
    postcode: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
struct Person {
    name: String,
    age: u8,
    height_m: f64,
    emails: Vec<String>,
    address: Option<Address>,
    scores: Vec<Option<i64>>,
    friends: Vec<Person>,
}

fn ada() -> Person {
    Person {
        name: "Ada Lovelace".into(),
        age: 36,
        height_m: 1.65,
        emails: vec!["ada@example.org".into(), "countess@example.org".into()],
        address: Some(Address {
            street: "12 St James's Square".into(),
            city: "London".into(),
            postcode: Some("SW1Y 4JH".into()),
        }),
        scores: vec![Some(100), None, Some(-7), Some(i64::MAX)],
        friends: vec![Person {
            name: "Charles Babbage".into(),
            age: 79,
            height_m: 1.75,
            emails: vec![],
            address: Some(Address {
                street: "1 Dorset Street".into(),
                city: "London".into(),
                postcode: None,
            }),
            scores: vec![None],
            friends: vec![],
        }],
    }
}

fn nobody() -> Person {
    Person {
        name: String::new(),
        age: 0,
        height_m: 0.0,
        emails: vec![],
        address: None,
        scores: vec![],
        friends: vec![],
    }
}

/// Keeps every person it is told about.
#[derive(Default)]
struct Directory {
    people: Vec<Person>,
}
impl Actor for Directory {}

struct Store(Person);
impl Message for Store {
    type Reply = ();
}

struct Latest;
impl Message for Latest {
    type Reply = Option<Person>;
}

struct All;
impl Message for All {
    type Reply = Vec<Person>;
}

/// Greets a person using nested fields.
struct Greet(Person);
impl Message for Greet {
    type Reply = String;
}

impl Handler<Store> for Directory {
    fn handle(&mut self, Store(p): Store, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.people.push(p);
        Ok(())
    }
}

impl Handler<Latest> for Directory {
    fn handle(
        &mut self,
        _: Latest,
        _: &mut Context<'_, Self>,
    ) -> Result<Option<Person>, ActorError> {
        Ok(self.people.last().cloned())
    }
}

impl Handler<All> for Directory {
    fn handle(&mut self, _: All, _: &mut Context<'_, Self>) -> Result<Vec<Person>, ActorError> {
        Ok(self.people.clone())
    }
}

impl Handler<Greet> for Directory {
    fn handle(&mut self, Greet(p): Greet, _: &mut Context<'_, Self>) -> Result<String, ActorError> {
        let city = p.address.as_ref().map_or("nowhere", |a| a.city.as_str());
        let friends: Vec<&str> = p.friends.iter().map(|f| f.name.as_str()).collect();
        Ok(format!(
            "Hello, {} ({}) of {city}: {} emails, best score {:?}, friends {friends:?}",
            p.name,
            p.age,
            p.emails.len(),
            p.scores.iter().flatten().max(),
        ))
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_stored_struct_comes_back_unchanged() {
    let mut driver = ManualDriver::default();
    let dir = driver.spawn(Directory::default);

    assert_eq!(ask(&mut driver, &dir, Latest), Ok(None));
    driver.tell(&dir, Store(ada())).unwrap();
    assert_eq!(ask(&mut driver, &dir, Latest), Ok(Some(ada())));
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn empty_fields_and_none_survive_and_order_is_kept() {
    let mut driver = ManualDriver::default();
    let dir = driver.spawn(Directory::default);

    driver.tell(&dir, Store(ada())).unwrap();
    driver.tell(&dir, Store(nobody())).unwrap();
    let mut third = ada();
    third.address = None;
    third.friends[0].scores = vec![Some(1), Some(2)];
    driver.tell(&dir, Store(third.clone())).unwrap();

    assert_eq!(
        ask(&mut driver, &dir, All),
        Ok(vec![ada(), nobody(), third])
    );
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn the_actor_reads_nested_fields_of_the_struct() {
    let mut driver = ManualDriver::default();
    let dir = driver.spawn(Directory::default);

    assert_eq!(
        ask(&mut driver, &dir, Greet(ada())),
        Ok(
            "Hello, Ada Lovelace (36) of London: 2 emails, best score Some(9223372036854775807), \
             friends [\"Charles Babbage\"]"
                .to_string()
        )
    );
    assert_eq!(
        ask(&mut driver, &dir, Greet(nobody())),
        Ok("Hello,  (0) of nowhere: 0 emails, best score None, friends []".to_string())
    );
    settle(&mut driver);
}
