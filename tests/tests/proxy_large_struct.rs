//! Seed 000 "large struct" in the proxy style: a 64 KiB payload as a method argument.
//!
//! Promises: locally the payload is moved, not copied or encoded (the buffer that comes back
//! is the one that was sent); in wire form it arrives intact (the actor checks its checksum)
//! within the default limits, and a lower `max_frame_bytes` refuses it before decoding.

use backstage_core::wire::{self, CallError, Dispatcher, Limits};
use backstage_core::{actor, ManualDriver, Runtime};
use backstage_tests::{call_frame, reply, settle};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Blob {
    seq: u32,
    checksum: u64,
    data: Vec<u8>,
}

fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn blob(seq: u32) -> Blob {
    let data: Vec<u8> = (0..64 * 1024)
        .map(|i| (i * 31 + seq as usize) as u8)
        .collect();
    Blob {
        seq,
        checksum: fnv1a(&data),
        data,
    }
}

#[derive(Default)]
struct Verifier {
    verified: Vec<u32>,
}
impl backstage_core::Actor for Verifier {}

#[actor]
impl Verifier {
    /// Checks the payload; a corrupted one is the handler's failure.
    pub fn verify(&mut self, blob: Blob) -> Result<u64, String> {
        let sum = fnv1a(&blob.data);
        if sum != blob.checksum {
            return Err(format!("blob {} is corrupted", blob.seq));
        }
        self.verified.push(blob.seq);
        Ok(sum)
    }

    /// Gives the payload back.
    pub fn echo(&mut self, blob: Blob) -> Blob {
        blob
    }

    pub fn verified(&self) -> Vec<u32> {
        self.verified.clone()
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_local_call_moves_the_payload() {
    let mut driver = ManualDriver::default();
    let verifier = driver.actor::<Verifier>("verifier").unwrap();
    let original = blob(1);
    let buffer = original.data.as_ptr();
    let back = reply(&mut driver, verifier.echo(original)).unwrap();
    assert_eq!(back.data.as_ptr(), buffer, "the 64 KiB buffer was copied");
    assert_eq!(back, blob(1));

    for seq in 2..6 {
        assert_eq!(
            reply(&mut driver, verifier.verify(blob(seq))),
            Ok(blob(seq).checksum)
        );
    }
    let mut bad = blob(9);
    bad.data[100] ^= 1;
    let err = reply(&mut driver, verifier.verify(bad)).unwrap_err();
    assert_eq!(err.code(), "HANDLER_FAILED");
    assert!(err.to_string().contains("blob 9 is corrupted"), "{err}");
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn the_payload_arrives_intact_in_wire_form_and_the_limit_is_enforced() {
    let mut driver = ManualDriver::default();
    let dispatcher = Dispatcher::of::<Verifier>();
    let id = dispatcher.activate(&mut driver, "verifier").unwrap();
    let limits = Limits::default();

    let frame = wire::encode_call(VerifierEcho(blob(3))).unwrap();
    assert!(frame.len() > 64 * 1024, "{} bytes", frame.len());
    let bytes = call_frame(&mut driver, &dispatcher, id, &frame, &limits).unwrap();
    assert_eq!(
        wire::decode_reply::<VerifierEcho>(&bytes, &limits),
        Ok(blob(3))
    );

    let frame = wire::encode_call(VerifierVerify(blob(4))).unwrap();
    let bytes = call_frame(&mut driver, &dispatcher, id, &frame, &limits).unwrap();
    assert_eq!(
        wire::decode_reply::<VerifierVerify>(&bytes, &limits),
        Ok(blob(4).checksum)
    );

    let small = Limits {
        max_frame_bytes: 64 * 1024,
        ..Limits::default()
    };
    let err = call_frame(&mut driver, &dispatcher, id, &frame, &small).unwrap_err();
    assert_eq!(err.code(), "FRAME_TOO_LARGE");
    assert!(matches!(err, CallError::FrameTooLarge { max, .. } if max == 64 * 1024));
    // A reply is held to the same limit.
    assert_eq!(
        wire::decode_reply::<VerifierVerify>(&bytes, &small),
        Ok(blob(4).checksum),
        "a checksum reply is small"
    );
    let echo = wire::encode_reply("echo", &blob(5)).unwrap();
    assert_eq!(
        wire::decode_reply::<VerifierEcho>(&echo, &small)
            .unwrap_err()
            .code(),
        "FRAME_TOO_LARGE"
    );

    let verifier = driver.actor::<Verifier>("verifier").unwrap();
    assert_eq!(reply(&mut driver, verifier.verified()), Ok(vec![4]));
    settle(&mut driver);
}
