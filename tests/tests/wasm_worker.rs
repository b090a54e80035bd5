//! The seed acceptance tests (message and proxy style, the wire form, supervision), compiled to WebAssembly and run in a dedicated
//! Web Worker of headless Chromium (through chromedriver; `tests/webdriver.json` holds the
//! browser flags).
//!
//! The same modules as `wasm_node.rs` (Node) and `wasm_browser.rs` (a page); only the
//! configuration below differs. `scripts/test.sh` runs it, and `wasm_browser.rs`, with
//! `wasm-pack test --mode no-install --headless --chrome tests --test wasm_browser
//! --test wasm_worker`.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[path = "proxy_actor_to_actor.rs"]
mod proxy_actor_to_actor;
#[path = "proxy_array_list_actor.rs"]
mod proxy_array_list_actor;
#[path = "proxy_errors.rs"]
mod proxy_errors;
#[path = "proxy_hello_world_string.rs"]
mod proxy_hello_world_string;
#[path = "proxy_hello_world_struct.rs"]
mod proxy_hello_world_struct;
#[path = "proxy_large_struct.rs"]
mod proxy_large_struct;
#[path = "proxy_multiple_methods.rs"]
mod proxy_multiple_methods;
#[path = "proxy_poison_pill.rs"]
mod proxy_poison_pill;
#[path = "proxy_pub_sub.rs"]
mod proxy_pub_sub;
#[path = "seed_actor_to_actor.rs"]
mod seed_actor_to_actor;
#[path = "seed_array_list_actor.rs"]
mod seed_array_list_actor;
#[path = "seed_hello_world_string.rs"]
mod seed_hello_world_string;
#[path = "seed_hello_world_struct.rs"]
mod seed_hello_world_struct;
#[path = "seed_large_struct.rs"]
mod seed_large_struct;
#[path = "seed_multiple_methods.rs"]
mod seed_multiple_methods;
#[path = "seed_poison_pill.rs"]
mod seed_poison_pill;
#[path = "seed_pub_sub.rs"]
mod seed_pub_sub;
#[path = "supervision_restart_intensity.rs"]
mod supervision_restart_intensity;
#[path = "wire_dispatch.rs"]
mod wire_dispatch;
