//! Seed 000 "multiple methods" in the proxy style: one actor, several methods with their own
//! argument and reply types.
//!
//! Promises: each call reaches its own method and each ask resolves with its own reply type;
//! tells and asks share one mailbox and are handled in the order they were made; actors
//! activated under different ids keep separate state; the method ids and signatures are
//! listed for hosts ([`Dispatch::METHODS`]).

use backstage_core::wire::{Dispatch, MethodInfo};
use backstage_core::{actor, ManualDriver, Runtime};
use backstage_tests::{reply, settle};

#[derive(Default)]
struct Calculator {
    value: i64,
    history: Vec<String>,
}
impl backstage_core::Actor for Calculator {}

#[actor]
impl Calculator {
    pub fn add(&mut self, n: i64) {
        self.value += n;
        self.history.push(format!("+{n}"));
    }

    pub fn multiply(&mut self, n: i64) {
        self.value *= n;
        self.history.push(format!("*{n}"));
    }

    pub fn value(&self) -> i64 {
        self.value
    }

    pub fn describe(&self, precision: usize) -> String {
        format!("{:.*}", precision, self.value as f64)
    }

    pub fn is_even(&self) -> bool {
        self.value % 2 == 0
    }

    pub fn history(&self) -> Vec<String> {
        self.history.clone()
    }

    pub fn divide(&mut self, by: i64) -> Result<i64, String> {
        if by == 0 {
            return Err("division by zero".to_string());
        }
        self.value /= by;
        Ok(self.value)
    }

    pub fn reset(&mut self) {
        self.value = 0;
        self.history.clear();
    }

    /// Not public: a helper, not a message.
    fn _internal(&self) -> i64 {
        self.value
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn interleaved_tells_and_asks_get_replies_of_their_own_types_in_order() {
    let mut driver = ManualDriver::default();
    let calc = driver.actor::<Calculator>("calc").unwrap();
    calc.add(3);
    let v1 = calc.value();
    calc.multiply(4);
    let even = calc.is_even();
    let text = calc.describe(2);
    calc.add(1);
    let v2 = calc.value();
    let history = calc.history();

    assert_eq!(reply(&mut driver, v1), Ok(3));
    assert_eq!(reply(&mut driver, even), Ok(true));
    assert_eq!(reply(&mut driver, text), Ok("12.00".to_string()));
    assert_eq!(reply(&mut driver, v2), Ok(13));
    assert_eq!(
        reply(&mut driver, history),
        Ok(vec!["+3".to_string(), "*4".to_string(), "+1".to_string()])
    );
    assert_eq!(reply(&mut driver, calc.divide(2)), Ok(6));
    calc.reset();
    assert_eq!(reply(&mut driver, calc.value()), Ok(0));
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn two_ids_are_two_actors_with_separate_state() {
    let mut driver = ManualDriver::default();
    let a = driver.actor::<Calculator>("a").unwrap();
    let b = driver.actor::<Calculator>("b").unwrap();
    a.add(1);
    b.add(100);
    a.add(1);
    assert_eq!(reply(&mut driver, a.value()), Ok(2));
    assert_eq!(reply(&mut driver, b.value()), Ok(100));
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn public_methods_are_listed_with_their_signatures() {
    let names: Vec<&str> = Calculator::METHODS.iter().map(|m| m.name).collect();
    assert_eq!(
        names,
        ["add", "multiply", "value", "describe", "is_even", "history", "divide", "reset"]
    );
    assert_eq!(Calculator::NAME, "Calculator");
    let divide = Calculator::METHODS
        .iter()
        .find(|m| m.name == "divide")
        .unwrap();
    assert_eq!(
        *divide,
        MethodInfo {
            name: "divide",
            args: &[("by", "i64")],
            reply: "i64",
        }
    );
    let history = Calculator::METHODS
        .iter()
        .find(|m| m.name == "history")
        .unwrap();
    assert_eq!((history.args.len(), history.reply), (0, "Vec<String>"));
}

mod public {
    //! `#[actor(vis = pub)]`: the proxy and messages of a public actor are public too.
    #[derive(Default)]
    pub struct Greeter;
    impl backstage_core::Actor for Greeter {}

    #[backstage_core::actor(vis = pub)]
    impl Greeter {
        pub fn greet(&self, name: String) -> String {
            format!("hi {name}")
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_public_actor_has_a_public_proxy() {
    let mut driver = ManualDriver::default();
    let greeter: public::GreeterProxy = driver.actor::<public::Greeter>("g").unwrap();
    assert_eq!(
        reply(&mut driver, greeter.greet("you".into())),
        Ok("hi you".to_string())
    );
    let _message = public::GreeterGreet("typed".into());
    settle(&mut driver);
}
