//! The wasm driver's tests in a dedicated Web Worker of headless Chromium, through chromedriver
//! (`tests/webdriver.json` at the workspace root holds the browser flags). A worker has no
//! `window` and no DOM; the driver yields with a `MessageChannel` there and arms `setTimeout` on
//! the worker's global scope. The bodies are in `common/mod.rs`, shared with `node.rs` and
//! `browser.rs`; run with `wasm-pack test --headless --chrome wasm` (see `scripts/test.sh`).
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_dedicated_worker);

mod common;

/// The suite really runs in a dedicated worker, not on a page.
#[wasm_bindgen_test::wasm_bindgen_test]
fn the_suite_runs_in_a_dedicated_worker_without_a_window() {
    let probe = js_sys::Function::new_no_args(
        "return [typeof window, typeof document,
                 String(typeof DedicatedWorkerGlobalScope !== 'undefined'
                   && self instanceof DedicatedWorkerGlobalScope),
                 typeof MessageChannel, typeof setImmediate];",
    );
    let found: Vec<String> =
        js_sys::Array::from(&probe.call0(&wasm_bindgen::JsValue::UNDEFINED).unwrap())
            .iter()
            .map(|v| v.as_string().expect("a string"))
            .collect();
    assert_eq!(
        found,
        ["undefined", "undefined", "true", "function", "undefined"]
    );
}
