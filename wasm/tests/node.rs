//! The wasm driver's tests in Node (the bodies are in `common/mod.rs`; `browser.rs` runs the
//! same ones in headless Chromium). Run with
//! `cargo test -p backstage-wasm --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

mod common;
