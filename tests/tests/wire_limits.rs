//! Hostile frames: what a call in wire form costs at most, and that nothing panics.
//!
//! Promises: a frame over `max_frame_bytes` is `FRAME_TOO_LARGE` and one nested deeper than
//! `max_depth` is `FRAME_TOO_DEEP` (both configurable; a frame exactly at a limit passes);
//! malformed CBOR of every kind is `MALFORMED_FRAME`; a frame that *claims* a huge string,
//! array or map allocates nothing for the claim; and for any input, valid or not, the bytes
//! allocated by a call are bounded by a multiple of the frame's length. The random part
//! replays 20,000 seeded frames (random bytes and mutations of valid frames), the same
//! families the fuzz target (`fuzz/fuzz_targets/call_frame.rs`) explores without end.
#![cfg(not(target_arch = "wasm32"))]

use std::alloc::{GlobalAlloc, Layout, System as SystemAlloc};
use std::cell::Cell;

use backstage_core::wire::{self, CallError, Dispatcher, Limits};
use backstage_core::{actor, ActorId, ManualDriver};
use serde::{Deserialize, Serialize};

// ---- counting what this thread allocates ---------------------------------------------------

struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call unchanged to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + layout.size()));
        // SAFETY: same contract as the caller's.
        unsafe { SystemAlloc.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { SystemAlloc.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let grown = new_size.saturating_sub(layout.size());
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + grown));
        // SAFETY: same contract as the caller's.
        unsafe { SystemAlloc.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Bytes allocated on this thread while `f` runs.
fn allocated_by<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATED.with(Cell::get);
    let out = f();
    (out, ALLOCATED.with(Cell::get) - before)
}

// ---- the target ----------------------------------------------------------------------------

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Doc {
    title: String,
    tags: Vec<String>,
    rating: Option<u8>,
    children: Vec<Doc>,
}

#[derive(Default)]
struct Sink {
    calls: u64,
}
impl backstage_core::Actor for Sink {}

#[actor]
impl Sink {
    pub fn text(&mut self, s: String) -> usize {
        self.calls += 1;
        s.len()
    }
    pub fn numbers(&mut self, v: Vec<u32>) -> u64 {
        self.calls += 1;
        v.iter().map(|n| u64::from(*n)).sum()
    }
    pub fn doc(&mut self, d: Doc) -> usize {
        self.calls += 1;
        d.children.len() + d.tags.len()
    }
    pub fn pair(&mut self, a: i64, b: bool) -> i64 {
        self.calls += 1;
        if b {
            a
        } else {
            -a
        }
    }
    pub fn nothing(&mut self) {
        self.calls += 1;
    }
}

fn setup() -> (ManualDriver, Dispatcher, ActorId) {
    let mut driver = ManualDriver::default();
    let dispatcher = Dispatcher::of::<Sink>();
    let id = dispatcher.activate(&mut driver, "sink").unwrap();
    driver.run_until_idle();
    (driver, dispatcher, id)
}

/// Runs one call to the end; `Err` if refused, else what the reply callback got.
fn run(
    driver: &mut ManualDriver,
    d: &Dispatcher,
    id: ActorId,
    frame: &[u8],
    limits: &Limits,
) -> Result<Vec<u8>, CallError> {
    let slot = std::rc::Rc::new(std::cell::RefCell::new(None));
    let sink = slot.clone();
    d.call(driver, id, frame, limits, None, move |r| {
        *sink.borrow_mut() = Some(r)
    })?;
    driver.run_until_idle();
    let result = slot.borrow_mut().take();
    result.expect("an accepted call replies")
}

fn call(method: &str, args: &[u8], arity: u8) -> Vec<u8> {
    let mut out = vec![0x82, 0x60 | method.len() as u8];
    out.extend_from_slice(method.as_bytes());
    out.push(0x80 | arity);
    out.extend_from_slice(args);
    out
}

// ---- the tests -----------------------------------------------------------------------------

#[test]
fn a_frame_over_the_size_limit_is_refused_and_one_at_it_passes() {
    let (mut driver, d, id) = setup();
    let text = "x".repeat(1000);
    let frame = wire::encode_call(SinkText(text)).unwrap();
    let exact = Limits {
        max_frame_bytes: frame.len(),
        ..Limits::default()
    };
    assert!(run(&mut driver, &d, id, &frame, &exact).is_ok());
    let under = Limits {
        max_frame_bytes: frame.len() - 1,
        ..Limits::default()
    };
    let err = run(&mut driver, &d, id, &frame, &under).unwrap_err();
    assert_eq!(err.code(), "FRAME_TOO_LARGE");
    assert_eq!(
        err,
        CallError::FrameTooLarge {
            len: frame.len(),
            max: frame.len() - 1
        }
    );
    assert_eq!(Limits::default().max_frame_bytes, 1 << 20);
}

#[test]
fn a_frame_nested_too_deep_is_refused_quickly_and_cheaply() {
    let (mut driver, d, id) = setup();
    // [ "doc", [ [ [ [ ... 100,000 levels ] ] ] ] ]
    let mut args = vec![0x81; 100_000];
    args.push(0x00);
    let frame = call("doc", &args, 1);
    let (err, bytes) = allocated_by(|| run(&mut driver, &d, id, &frame, &Limits::default()));
    assert_eq!(err.unwrap_err(), CallError::FrameTooDeep { max: 64 });
    assert!(bytes < 4096, "rejecting cost {bytes} bytes");

    // Depth counts the frame and the argument array: a doc nested to the limit passes.
    let mut doc = Doc::default();
    for _ in 0..10 {
        doc = Doc {
            children: vec![doc],
            ..Doc::default()
        };
    }
    let frame = wire::encode_call(SinkDoc(doc)).unwrap();
    let tight = Limits {
        max_depth: 23,
        ..Limits::default()
    };
    assert!(run(&mut driver, &d, id, &frame, &tight).is_ok());
    let tighter = Limits {
        max_depth: 22,
        ..Limits::default()
    };
    assert_eq!(
        run(&mut driver, &d, id, &frame, &tighter)
            .unwrap_err()
            .code(),
        "FRAME_TOO_DEEP"
    );
}

#[test]
fn malformed_frames_are_refused_with_a_reason() {
    let (mut driver, d, id) = setup();
    let cases: &[(&str, Vec<u8>)] = &[
        ("empty", vec![]),
        ("a number, not an array", vec![0x01]),
        ("an array of one", vec![0x81, 0x60]),
        ("an array of three", vec![0x83, 0x60, 0x80, 0x00]),
        ("method not text", [&[0x82, 0x01][..], &[0x80]].concat()),
        ("method not UTF-8", vec![0x82, 0x62, 0xff, 0xfe, 0x80]),
        (
            "indefinite method",
            vec![0x82, 0x7f, 0x61, b'a', 0xff, 0x80],
        ),
        (
            "arguments not an array",
            [&call("nothing", &[], 0)[..9], &[0xa0]].concat(),
        ),
        ("cut short", call("text", &[0x65, b'a'], 1)),
        ("cut in a header", call("pair", &[0x1b, 0x00], 2)),
        (
            "trailing bytes",
            [call("nothing", &[], 0), vec![0x00]].concat(),
        ),
        ("reserved info", call("text", &[0x1c], 1)),
        ("break outside", call("text", &[0xff], 1)),
        ("indefinite number", call("text", &[0x1f], 1)),
        (
            "odd indefinite map",
            call("doc", &[0xbf, 0x61, b'a', 0xff], 1),
        ),
        ("bad chunk", call("text", &[0x7f, 0x41, b'a', 0xff], 1)),
        ("simple below 32", call("text", &[0xf8, 0x10], 1)),
        ("unclosed indefinite", call("numbers", &[0x9f, 0x01], 1)),
    ];
    for (what, frame) in cases {
        let err = run(&mut driver, &d, id, frame, &Limits::default()).unwrap_err();
        assert_eq!(err.code(), "MALFORMED_FRAME", "{what}: {err}");
    }
    assert_eq!(driver.metrics().sent, 0, "nothing malformed was sent");
}

#[test]
fn claimed_lengths_allocate_nothing() {
    let (mut driver, d, id) = setup();
    let claims: &[(&str, Vec<u8>)] = &[
        // A text of 2^63 bytes, an array of 2^32 numbers, a map of 2^62 entries.
        (
            "huge text",
            call("text", &[0x7b, 0x80, 0, 0, 0, 0, 0, 0, 0, b'a'], 1),
        ),
        (
            "huge array",
            call("numbers", &[0x9a, 0xff, 0xff, 0xff, 0xff, 0x01], 1),
        ),
        (
            "huge map",
            call("doc", &[0xbb, 0x40, 0, 0, 0, 0, 0, 0, 0], 1),
        ),
        (
            "huge argument count",
            [
                &call("text", &[], 0)[..6],
                &[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            ]
            .concat(),
        ),
        (
            "huge bytes",
            call(
                "text",
                &[0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                1,
            ),
        ),
    ];
    for (what, frame) in claims {
        let (result, bytes) = allocated_by(|| run(&mut driver, &d, id, frame, &Limits::default()));
        assert_eq!(result.unwrap_err().code(), "MALFORMED_FRAME", "{what}");
        assert!(bytes < 4096, "{what}: rejecting cost {bytes} bytes");
    }
}

/// xorshift64*: seeded, so a failure replays.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn valid_frames() -> Vec<Vec<u8>> {
    vec![
        wire::encode_call(SinkText("hello".into())).unwrap(),
        wire::encode_call(SinkNumbers(vec![1, 2, 300, 70_000])).unwrap(),
        wire::encode_call(SinkPair(-5, true)).unwrap(),
        wire::encode_call(SinkNothing).unwrap(),
        wire::encode_call(SinkDoc(Doc {
            title: "t".into(),
            tags: vec!["a".into(), "b".into()],
            rating: Some(3),
            children: vec![Doc::default()],
        }))
        .unwrap(),
    ]
}

#[test]
fn random_and_mutated_frames_never_panic_and_cost_at_most_a_multiple_of_their_length() {
    let (mut driver, d, id) = setup();
    let limits = Limits::default();
    let seeds = valid_frames();
    for frame in &seeds {
        assert!(run(&mut driver, &d, id, frame, &limits).is_ok());
    }
    let mut rng = Rng(0x5eed_cb0f_0000_0001);
    let (mut accepted, mut refused) = (0, 0);
    for i in 0..20_000 {
        let frame: Vec<u8> = if i % 4 == 0 {
            (0..rng.below(64)).map(|_| rng.next() as u8).collect()
        } else {
            let mut f = seeds[rng.below(seeds.len())].clone();
            for _ in 0..1 + rng.below(4) {
                match rng.below(4) {
                    0 if !f.is_empty() => {
                        let at = rng.below(f.len());
                        f[at] = rng.next() as u8;
                    }
                    1 if !f.is_empty() => {
                        let at = rng.below(f.len());
                        f.truncate(at);
                    }
                    2 => {
                        let at = rng.below(f.len() + 1);
                        f.insert(at, rng.next() as u8);
                    }
                    _ if !f.is_empty() => {
                        let at = rng.below(f.len());
                        f[at] ^= 1 << rng.below(8);
                    }
                    _ => {}
                }
            }
            f
        };
        let (result, bytes) = allocated_by(|| run(&mut driver, &d, id, &frame, &limits));
        match result {
            Ok(reply) => {
                accepted += 1;
                wire::check(&reply, &limits).expect("replies are well-formed CBOR");
            }
            Err(e) => {
                refused += 1;
                assert!(!e.code().is_empty());
            }
        }
        assert!(
            bytes <= 64 * frame.len() + 8192,
            "frame {frame:02x?} cost {bytes} bytes"
        );
    }
    assert!(
        accepted > 100 && refused > 1000,
        "{accepted} accepted, {refused} refused"
    );
    backstage_tests::assert_balanced(&driver.system);
}
