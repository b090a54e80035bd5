//! What goes wrong with proxies, and how it shows.
//!
//! Promises: an `Err(e)` from a method is the handler's failure: the ask fails with
//! `HANDLER_FAILED` and `e`'s text (an `ActorError` passes through unchanged) and the
//! supervisor decides (by default a restart); an error *value* (a `Result` behind a type
//! alias) is a reply and fails nothing; an id taken by an actor of another type is
//! `TYPE_MISMATCH`; an ask through `within(t)` fails with `ASK_TIMEOUT` after `t`; a tell to a
//! gone actor is a dead letter holding the message, a full mailbox too; `Activate` builds the
//! state again on restart.

use std::fmt;
use std::time::Duration;

use backstage_core::{
    actor, Activate, Actor, ActorError, AskError, Context, DeadLetterReason, FailureKind,
    ManualDriver, Overflow, Runtime, SpawnError, SpawnOptions,
};
use backstage_tests::{reply, settle};

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Refused {
    balance: u64,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused: balance {}", self.balance)
    }
}

/// An error value the caller gets as a reply (the alias is not spelled `Result`).
type Outcome = Result<u64, Refused>;

struct Account {
    owner: String,
    balance: u64,
    held: Option<backstage_core::Responder<u64>>,
}
impl Actor for Account {}

impl Activate for Account {
    fn activate(id: &str) -> Self {
        Account {
            owner: id.to_string(),
            balance: 10,
            held: None,
        }
    }
}

#[actor]
impl Account {
    pub fn deposit(&mut self, amount: u64) -> u64 {
        self.balance += amount;
        self.balance
    }

    /// A failure: the supervisor restarts the account.
    pub fn withdraw(&mut self, amount: u64) -> Result<u64, Refused> {
        if amount > self.balance {
            return Err(Refused {
                balance: self.balance,
            });
        }
        self.balance -= amount;
        Ok(self.balance)
    }

    /// An answer: the account carries on.
    pub fn try_withdraw(&mut self, amount: u64) -> Outcome {
        if amount > self.balance {
            return Err(Refused {
                balance: self.balance,
            });
        }
        self.balance -= amount;
        Ok(self.balance)
    }

    pub fn fail_with(&mut self, message: String) -> Result<(), ActorError> {
        Err(ActorError::new(message))
    }

    pub fn owner(&self) -> String {
        self.owner.clone()
    }

    pub fn balance(&self) -> u64 {
        self.balance
    }

    /// Never answers in time: keeps the reply channel.
    pub fn hold(&mut self, ctx: &mut Context<'_, Self>) -> u64 {
        self.held = ctx.defer_reply::<u64>();
        0
    }
}

#[derive(Default)]
struct Other;
impl Actor for Other {}

#[actor]
impl Other {
    pub fn ping(&self) -> u8 {
        1
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn an_err_is_a_failure_with_its_text_and_the_actor_restarts_with_fresh_state() {
    let mut driver = ManualDriver::default();
    let account = driver.actor::<Account>("alice").unwrap();
    assert_eq!(reply(&mut driver, account.deposit(5)), Ok(15));
    let err = reply(&mut driver, account.withdraw(100)).unwrap_err();
    assert_eq!(err.code(), "HANDLER_FAILED");
    match &err {
        AskError::Failed(e) => {
            assert_eq!(e.message(), "refused: balance 15");
            assert_eq!(e.kind(), FailureKind::Error);
        }
        other => panic!("{other:?}"),
    }
    // Restarted by the default supervisor, with state from `Activate` (the id, 10).
    assert_eq!(reply(&mut driver, account.balance()), Ok(10));
    assert_eq!(reply(&mut driver, account.owner()), Ok("alice".to_string()));
    assert_eq!(driver.actor_info(account.id()).unwrap().restarts, 1);

    // An `ActorError` passes through as it is. (`fail_with` replies nothing, so its proxy
    // method is a tell; the handle's `ask` with the method's message waits for it anyway.)
    let err = reply(
        &mut driver,
        account.ask(AccountFailWith("exactly this".into())),
    )
    .unwrap_err();
    assert_eq!(err, AskError::Failed(ActorError::new("exactly this")));
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn an_error_value_is_a_reply_and_fails_nothing() {
    let mut driver = ManualDriver::default();
    let account = driver.actor::<Account>("bob").unwrap();
    assert_eq!(
        reply(&mut driver, account.try_withdraw(100)),
        Ok(Err(Refused { balance: 10 }))
    );
    assert_eq!(reply(&mut driver, account.try_withdraw(4)), Ok(Ok(6)));
    assert_eq!(driver.actor_info(account.id()).unwrap().restarts, 0);
    assert_eq!(driver.metrics().failures, 0);
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn an_id_taken_by_another_type_is_a_type_mismatch() {
    let mut driver = ManualDriver::default();
    driver.actor::<Account>("shared-name").unwrap();
    let err = driver.actor::<Other>("shared-name").unwrap_err();
    assert!(matches!(err, SpawnError::TypeMismatch { .. }), "{err:?}");
    assert_eq!(err.code(), "TYPE_MISMATCH");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn an_ask_within_a_deadline_times_out() {
    let mut driver = ManualDriver::default();
    let account = driver.actor::<Account>("carol").unwrap();
    let patient = account.within(Duration::from_secs(1));
    assert_eq!(patient.timeout(), Some(Duration::from_secs(1)));
    let held = patient.hold();
    let started = driver.now();
    let err = reply(&mut driver, held).unwrap_err();
    assert_eq!(err, AskError::Timeout);
    assert_eq!(err.code(), "ASK_TIMEOUT");
    assert_eq!(
        driver.now().saturating_duration_since(started),
        Duration::from_secs(1)
    );
    // Without a deadline, an answered ask needs no timer.
    assert_eq!(reply(&mut driver, patient.balance()), Ok(10));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn undeliverable_tells_are_dead_letters_and_asks_say_why() {
    let mut driver = ManualDriver::default();
    // A full mailbox that rejects.
    let addr = driver
        .spawn_with(
            SpawnOptions::new().capacity(1).overflow(Overflow::Reject),
            || Account::activate("dave"),
        )
        .unwrap();
    let account = driver.proxy(&addr);
    driver.run_until_idle();
    let first = account.deposit(1);
    let second = account.deposit(2);
    account.fail_with("never".into());
    driver.run_until_idle();
    assert_eq!(reply(&mut driver, first), Ok(11));
    assert_eq!(
        reply(&mut driver, second),
        Err(AskError::Send(backstage_core::SendError::MailboxFull(
            addr.id()
        )))
    );
    let dead = driver.take_dead_letters();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].reason, DeadLetterReason::MailboxFull);
    assert_eq!(
        dead[0]
            .downcast_ref::<AccountFailWith>()
            .map(|m| m.0.as_str()),
        Some("never")
    );
    settle(&mut driver);
}
