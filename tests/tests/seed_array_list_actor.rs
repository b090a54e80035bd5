//! Seed "array list actor": an actor owning a list of strings.
//!
//! Promise: add, remove and list behave like a list; a failing handler (remove out of range)
//! fails the ask with [`AskError::Failed`] carrying the handler's error, and the default
//! supervisor restarts the actor from its factory: same address, empty list, `restarts == 1`,
//! and the messages queued behind the failure are still handled, by the fresh instance.

use backstage_core::{
    Actor, ActorError, ActorState, AskError, Context, FailureKind, Handler, ManualDriver, Message,
    Runtime,
};
use backstage_tests::{ask, record_events, settle, Event};

#[derive(Default)]
struct ArrayList {
    items: Vec<String>,
}
impl Actor for ArrayList {}

struct Add(String);
impl Message for Add {
    type Reply = ();
}

/// Removes and returns the item at an index.
struct Remove(usize);
impl Message for Remove {
    type Reply = String;
}

struct List;
impl Message for List {
    type Reply = Vec<String>;
}

impl Handler<Add> for ArrayList {
    fn handle(&mut self, Add(item): Add, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.items.push(item);
        Ok(())
    }
}

impl Handler<Remove> for ArrayList {
    fn handle(
        &mut self,
        Remove(index): Remove,
        _: &mut Context<'_, Self>,
    ) -> Result<String, ActorError> {
        if index >= self.items.len() {
            return Err(
                format!("index {index} out of range for length {}", self.items.len()).into(),
            );
        }
        Ok(self.items.remove(index))
    }
}

impl Handler<List> for ArrayList {
    fn handle(&mut self, _: List, _: &mut Context<'_, Self>) -> Result<Vec<String>, ActorError> {
        Ok(self.items.clone())
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn add_remove_and_list_behave_like_a_list() {
    let mut driver = ManualDriver::default();
    let list = driver.spawn(ArrayList::default);

    assert_eq!(ask(&mut driver, &list, List), Ok(vec![]));
    for item in ["a", "b", "c", "d"] {
        driver.tell(&list, Add(item.into())).unwrap();
    }
    assert_eq!(
        ask(&mut driver, &list, List),
        Ok(strings(&["a", "b", "c", "d"]))
    );
    assert_eq!(ask(&mut driver, &list, Remove(1)), Ok("b".to_string()));
    assert_eq!(ask(&mut driver, &list, Remove(2)), Ok("d".to_string()));
    assert_eq!(ask(&mut driver, &list, List), Ok(strings(&["a", "c"])));
    settle(&mut driver);
    assert_eq!(driver.actor_info(list.id()).unwrap().restarts, 0);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn remove_out_of_range_fails_the_ask_and_the_default_supervisor_restarts_the_actor() {
    let mut driver = ManualDriver::default();
    let events = record_events(&mut driver.system);
    let list = driver.spawn(ArrayList::default);
    driver.tell(&list, Add("a".into())).unwrap();
    driver.tell(&list, Add("b".into())).unwrap();

    let expected = ActorError::new("index 5 out of range for length 2");
    match ask(&mut driver, &list, Remove(5)) {
        Err(AskError::Failed(e)) => {
            assert_eq!(e, expected);
            assert_eq!(e.kind(), FailureKind::Error);
        }
        other => panic!("expected AskError::Failed, got {other:?}"),
    }
    driver.run_until_idle();

    // Same address, fresh state.
    assert!(driver.is_alive(list.id()));
    assert_eq!(ask(&mut driver, &list, List), Ok(vec![]));
    let info = driver.actor_info(list.id()).unwrap();
    assert_eq!(info.restarts, 1);
    assert_eq!(info.errors, 1);
    assert_eq!(info.state, ActorState::Running);
    assert_eq!(driver.metrics().failures, 1);
    assert_eq!(driver.metrics().restarts, 1);
    let supervision: Vec<Event> = events
        .snapshot()
        .into_iter()
        .filter(|e| {
            matches!(
                e,
                Event::Failed { .. } | Event::Restarted { .. } | Event::Stopped { .. }
            )
        })
        .collect();
    assert_eq!(
        supervision,
        [
            Event::Failed {
                id: list.id(),
                error: expected.clone()
            },
            Event::Restarted {
                id: list.id(),
                cause: expected
            },
        ]
    );

    // And it works again.
    driver.tell(&list, Add("c".into())).unwrap();
    assert_eq!(ask(&mut driver, &list, List), Ok(strings(&["c"])));
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn messages_queued_behind_the_failure_reach_the_fresh_instance() {
    let mut driver = ManualDriver::default();
    let list = driver.spawn(ArrayList::default);
    driver
        .tell(&list, Add("lost with the old instance".into()))
        .unwrap();
    driver.tell(&list, Remove(9)).unwrap();
    driver.tell(&list, Add("x".into())).unwrap();
    driver.tell(&list, Add("y".into())).unwrap();
    let listed = driver.system.ask(&list, List);

    assert_eq!(driver.block_on(listed), Some(Ok(strings(&["x", "y"]))));
    assert_eq!(driver.actor_info(list.id()).unwrap().restarts, 1);
    settle(&mut driver);
    assert_eq!(
        driver.metrics().dead_letters,
        0,
        "nothing was dropped by the restart"
    );
}
