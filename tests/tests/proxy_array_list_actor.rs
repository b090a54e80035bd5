//! Seed 000 "array list actor" in the proxy style: an actor owning a list of strings.
//!
//! Promises: add, remove and list behave like a list; a method returning `Err` fails the ask
//! with `HANDLER_FAILED` and its text, and the default supervisor restarts the actor with
//! fresh state from [`Activate`](backstage_core::Activate) (same id, empty list,
//! `restarts == 1`); calls queued behind the failure reach the fresh instance.

use backstage_core::{actor, AskError, ManualDriver, Runtime};
use backstage_tests::{reply, settle};

#[derive(Default)]
struct ArrayList {
    items: Vec<String>,
}
impl backstage_core::Actor for ArrayList {}

#[actor]
impl ArrayList {
    pub fn add(&mut self, item: String) {
        self.items.push(item);
    }

    pub fn add_all(&mut self, items: Vec<String>) -> usize {
        self.items.extend(items);
        self.items.len()
    }

    /// Removes and returns the item at `index`; out of range is a failure.
    pub fn remove(&mut self, index: usize) -> Result<String, String> {
        if index >= self.items.len() {
            return Err(format!(
                "index {index} out of range (len {})",
                self.items.len()
            ));
        }
        Ok(self.items.remove(index))
    }

    pub fn get(&self, index: usize) -> Option<String> {
        self.items.get(index).cloned()
    }

    pub fn list(&self) -> Vec<String> {
        self.items.clone()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn add_remove_and_list_behave_like_a_list() {
    let mut driver = ManualDriver::default();
    let list = driver.actor::<ArrayList>("list").unwrap();
    list.add("a".into());
    list.add("b".into());
    assert_eq!(
        reply(&mut driver, list.add_all(strings(&["c", "d"]))),
        Ok(4)
    );
    assert_eq!(reply(&mut driver, list.remove(1)), Ok("b".to_string()));
    assert_eq!(reply(&mut driver, list.get(0)), Ok(Some("a".to_string())));
    assert_eq!(reply(&mut driver, list.get(9)), Ok(None));
    assert_eq!(
        reply(&mut driver, list.list()),
        Ok(strings(&["a", "c", "d"]))
    );
    assert_eq!(reply(&mut driver, list.len()), Ok(3));
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn an_err_fails_the_ask_and_the_supervisor_restarts_the_actor_fresh() {
    let mut driver = ManualDriver::default();
    let list = driver.actor::<ArrayList>("list").unwrap();
    list.add("a".into());
    let failed = list.remove(5);
    // Queued behind the failure: handled by the fresh instance.
    list.add("after".into());
    let after = list.list();

    match reply(&mut driver, failed) {
        Err(AskError::Failed(e)) => assert_eq!(e.message(), "index 5 out of range (len 1)"),
        other => panic!("expected a handler failure, got {other:?}"),
    }
    assert_eq!(reply(&mut driver, after), Ok(strings(&["after"])));
    let info = driver.actor_info(list.id()).unwrap();
    assert_eq!(info.restarts, 1);
    assert_eq!(
        driver.actor::<ArrayList>("list").unwrap().id(),
        list.id(),
        "same actor"
    );
    settle(&mut driver);
}
