//! The wasm driver's tests in headless Chromium, through chromedriver (`tests/webdriver.json`
//! at the workspace root holds the browser flags; `scripts/test.sh` points the runner at it).
//! The bodies are in `common/mod.rs`, shared with `node.rs`.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod common;
