//! The CBOR call decoder under libFuzzer: any bytes, as a call frame to an actor with
//! strings, numbers, vectors, options and nested structs as arguments, through the same
//! `Dispatcher::call` a host uses; then as a reply to decode.
//!
//! Properties: nothing panics (libFuzzer reports a panic as a crash); a call is either refused
//! with a coded error (and its reply callback is never called) or answered exactly once with
//! well-formed CBOR; the system's message accounting balances afterwards.
#![no_main]

use std::cell::RefCell;
use std::rc::Rc;

use backstage_core::wire::{self, Dispatcher, Limits};
use backstage_core::{actor, ActorId, ManualDriver};
use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Doc {
    title: String,
    tags: Vec<String>,
    rating: Option<u8>,
    children: Vec<Doc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Shape {
    Point,
    Circle { r: f64 },
    Poly(Vec<(i32, i32)>),
}

#[derive(Default)]
struct Target {
    calls: u64,
}
impl backstage_core::Actor for Target {}

#[actor]
impl Target {
    pub fn text(&mut self, s: String) -> usize {
        self.calls += 1;
        s.len()
    }
    pub fn numbers(&mut self, v: Vec<u32>, scale: f32) -> f64 {
        self.calls += 1;
        v.iter().map(|n| f64::from(*n) * f64::from(scale)).sum()
    }
    pub fn doc(&mut self, d: Doc) -> Doc {
        self.calls += 1;
        d
    }
    pub fn shape(&mut self, s: Shape, label: Option<String>) -> String {
        self.calls += 1;
        format!("{s:?} {label:?}")
    }
    pub fn bytes(&mut self, b: Vec<u8>, flag: bool, n: i128) -> (usize, bool, i128) {
        self.calls += 1;
        (b.len(), flag, n)
    }
    pub fn nothing(&mut self) {
        self.calls += 1;
    }
    pub fn fail(&mut self, why: String) -> Result<u8, String> {
        Err(why)
    }
}

thread_local! {
    static DRIVER: RefCell<ManualDriver> = RefCell::new(ManualDriver::default());
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_frame_bytes: 64 * 1024,
        max_depth: 32,
    };
    DRIVER.with(|driver| {
        let driver = &mut *driver.borrow_mut();
        // Found, or activated again after `fail` made its supervisor give up on it.
        let id: ActorId = Dispatcher::of::<Target>()
            .activate(driver, "target")
            .expect("the name is only ever a Target's");
        let replies: Rc<RefCell<Vec<Result<Vec<u8>, wire::CallError>>>> = Rc::default();
        let sink = replies.clone();
        let sent = Dispatcher::of::<Target>().call(driver, id, data, &limits, None, move |r| {
            sink.borrow_mut().push(r)
        });
        driver.run_until_idle();
        let replies = replies.borrow();
        match sent {
            Err(e) => {
                assert!(!e.code().is_empty());
                assert!(replies.is_empty(), "a refused call replied");
            }
            Ok(()) => {
                assert_eq!(replies.len(), 1, "an accepted call replies once");
                if let Ok(reply) = &replies[0] {
                    wire::check(reply, &Limits::default()).expect("a reply is well-formed CBOR");
                }
            }
        }
        let m = driver.metrics();
        assert_eq!(m.sent, m.delivered + m.dead_letters + m.rejected);
    });
    // The same bytes as replies of every shape.
    let _ = wire::decode_reply::<TargetDoc>(data, &limits);
    let _ = wire::decode_reply::<TargetBytes>(data, &limits);
    let _ = wire::decode_reply::<TargetShape>(data, &limits);
    let _ = wire::check(data, &limits);
});
