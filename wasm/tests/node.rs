//! The wasm driver's tests in Node (the bodies are in `common/mod.rs`; `browser.rs` runs the
//! same ones in headless Chromium, `worker.rs` in a dedicated Web Worker). Run with
//! `wasm-pack test --mode no-install --node wasm --test node` (see `scripts/test.sh`).
#![cfg(target_arch = "wasm32")]

mod common;
