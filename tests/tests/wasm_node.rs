//! The seed acceptance tests (message and proxy style, the wire form, supervision), compiled to WebAssembly and run in Node.
//!
//! The test bodies are the native ones: each file is included as a module, and on wasm32 its
//! tests are `#[wasm_bindgen_test]`s. `wasm_browser.rs` runs the same modules in headless
//! Chromium and `wasm_worker.rs` in a dedicated Web Worker. `scripts/test.sh` runs this one with
//! `wasm-pack test --mode no-install --node tests --test wasm_node` (a plain
//! `cargo test -p backstage-tests --target wasm32-unknown-unknown --test wasm_node` works too:
//! `.cargo/config.toml` makes `wasm-bindgen-test-runner` the runner).
#![cfg(target_arch = "wasm32")]

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
