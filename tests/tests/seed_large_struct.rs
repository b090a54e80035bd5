//! Seed "large struct": a 64 KiB payload sent to an actor.
//!
//! Promise: a large message arrives intact (the actor verifies its checksum), comes back
//! byte for byte in a reply, and travels by move (a local send does not copy or encode it).

use backstage_core::{
    Actor, ActorError, AskError, Context, FailureKind, Handler, ManualDriver, Message, Runtime,
};
use backstage_tests::{ask, settle};

const SIZE: usize = 64 * 1024;

#[derive(Clone, Debug, PartialEq)]
struct Blob {
    seq: u32,
    data: Vec<u8>,
    checksum: u64,
}

/// FNV-1a, 64 bit.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A payload with a sequence-dependent pattern, so no two blobs are alike.
fn blob(seq: u32) -> Blob {
    let data: Vec<u8> = (0..SIZE)
        .map(|i| (i.wrapping_mul(31) ^ (i >> 8) ^ seq as usize) as u8)
        .collect();
    let checksum = fnv1a(&data);
    Blob {
        seq,
        data,
        checksum,
    }
}

#[derive(Default)]
struct Verifier {
    verified: Vec<(u32, u64)>,
}

impl Verifier {
    fn verify(blob: &Blob) -> Result<u64, ActorError> {
        if blob.data.len() != SIZE {
            return Err(format!("blob {} has {} bytes", blob.seq, blob.data.len()).into());
        }
        let sum = fnv1a(&blob.data);
        if sum != blob.checksum {
            return Err(format!("blob {}: checksum mismatch", blob.seq).into());
        }
        Ok(sum)
    }
}
impl Actor for Verifier {}

/// Verify; reply the checksum.
struct Check(Blob);
impl Message for Check {
    type Reply = u64;
}

/// Verify and keep quiet (a tell).
struct Submit(Blob);
impl Message for Submit {
    type Reply = ();
}

/// Send it back.
struct Echo(Blob);
impl Message for Echo {
    type Reply = Blob;
}

/// What was verified so far: (seq, checksum).
struct Verified;
impl Message for Verified {
    type Reply = Vec<(u32, u64)>;
}

impl Handler<Check> for Verifier {
    fn handle(&mut self, Check(blob): Check, _: &mut Context<'_, Self>) -> Result<u64, ActorError> {
        let sum = Verifier::verify(&blob)?;
        self.verified.push((blob.seq, sum));
        Ok(sum)
    }
}

impl Handler<Submit> for Verifier {
    fn handle(
        &mut self,
        Submit(blob): Submit,
        _: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        let sum = Verifier::verify(&blob)?;
        self.verified.push((blob.seq, sum));
        Ok(())
    }
}

impl Handler<Echo> for Verifier {
    fn handle(&mut self, Echo(blob): Echo, _: &mut Context<'_, Self>) -> Result<Blob, ActorError> {
        Verifier::verify(&blob)?;
        Ok(blob)
    }
}

impl Handler<Verified> for Verifier {
    fn handle(
        &mut self,
        _: Verified,
        _: &mut Context<'_, Self>,
    ) -> Result<Vec<(u32, u64)>, ActorError> {
        Ok(self.verified.clone())
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_64_kib_payload_arrives_intact_and_the_ask_returns_its_checksum() {
    let mut driver = ManualDriver::default();
    let verifier = driver.spawn(Verifier::default);
    let sent = blob(1);
    assert_eq!(sent.data.len(), 65536);
    let expected = sent.checksum;

    assert_eq!(ask(&mut driver, &verifier, Check(sent)), Ok(expected));
    assert_eq!(
        ask(&mut driver, &verifier, Verified),
        Ok(vec![(1, expected)])
    );
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_corrupted_payload_is_caught_by_the_actor() {
    let mut driver = ManualDriver::default();
    let verifier = driver.spawn(Verifier::default);
    let mut bad = blob(2);
    bad.data[40_000] ^= 0x01;

    match ask(&mut driver, &verifier, Check(bad)) {
        Err(AskError::Failed(e)) => {
            assert_eq!(e.kind(), FailureKind::Error);
            assert_eq!(e.message(), "blob 2: checksum mismatch");
        }
        other => panic!("expected a failed ask, got {other:?}"),
    }
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn the_payload_round_trips_byte_for_byte() {
    let mut driver = ManualDriver::default();
    let verifier = driver.spawn(Verifier::default);
    let original = blob(3);

    let back = ask(&mut driver, &verifier, Echo(original.clone())).unwrap();
    assert_eq!(back.seq, 3);
    assert_eq!(back.checksum, original.checksum);
    assert_eq!(back.data.len(), SIZE);
    assert!(
        back.data == original.data,
        "payload differs after the round trip"
    );
    assert_eq!(back, blob(3));
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_local_send_moves_the_payload_instead_of_copying_it() {
    let mut driver = ManualDriver::default();
    let verifier = driver.spawn(Verifier::default);
    let original = blob(4);
    let buffer = original.data.as_ptr();

    let back = ask(&mut driver, &verifier, Echo(original)).unwrap();
    assert_eq!(back.data.as_ptr(), buffer, "the 64 KiB buffer was copied");
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn many_large_messages_queue_up_and_are_verified_in_order() {
    let mut driver = ManualDriver::default();
    let verifier = driver.spawn(Verifier::default);
    let blobs: Vec<Blob> = (0..32).map(blob).collect();
    let expected: Vec<(u32, u64)> = blobs.iter().map(|b| (b.seq, b.checksum)).collect();
    for b in blobs {
        driver.tell(&verifier, Submit(b)).unwrap();
    }
    assert_eq!(driver.queued(), 32);

    assert_eq!(ask(&mut driver, &verifier, Verified), Ok(expected));
    settle(&mut driver);
    assert_eq!(driver.metrics().delivered, 33);
}
