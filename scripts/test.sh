#!/usr/bin/env bash
# Sets up, then runs every check and test of Backstage. This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

step() { printf '\n== %s\n' "$*"; }
export CARGO_TERM_COLOR=never
export CHROMEDRIVER=/usr/bin/chromedriver

step "format"
cargo fmt --all --check

step "lint"
cargo clippy --workspace --all-targets -- -D warnings
# The wasm32 test binaries (tests/tests/wasm_*.rs) only exist on wasm32.
cargo clippy -p backstage-tests --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy -p backstage-wasm --target wasm32-unknown-unknown --all-targets -- -D warnings

step "core without std, for wasm32"
cargo build -p backstage-core --no-default-features --target wasm32-unknown-unknown

step "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

step "tests (unit, doc, acceptance)"
cargo test --workspace

step "core tests without std"
cargo test -p backstage-core --no-default-features --lib --tests

# `cargo test --target wasm32-unknown-unknown "$@"`: each test binary runs under
# wasm-bindgen-test-runner (`.cargo/config.toml`) in Node or, if it says `run_in_browser`, in
# headless Chromium through chromedriver, with the browser flags of tests/webdriver.json for
# every crate. Never `-q` here: the runner rejects `--quiet`. Chromium leaves profile dirs in
# $TMPDIR, so each run gets a scratch one, removed afterwards.
wasm_test() {
  browser_tmp=$(mktemp -d)
  trap 'rm -rf "$browser_tmp"' EXIT
  TMPDIR="$browser_tmp" WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/tests/webdriver.json" \
    cargo test --target wasm32-unknown-unknown "$@"
  rm -rf "$browser_tmp"
  trap - EXIT
}

step "seed acceptance tests in Node and headless Chromium"
# The seed tests (and supervision) compiled to wasm32: `wasm_node` in Node, `wasm_browser` in
# headless Chromium.
wasm_test -p backstage-tests --test wasm_node --test wasm_browser

step "wasm driver and its exported API in Node and headless Chromium"
# backstage-wasm: tests/node.rs in Node, tests/browser.rs in headless Chromium.
wasm_test -p backstage-wasm

step "TypeScript package: build (wasm-bindgen, wasm-opt, tsc) and test in Node"
(cd npm && node scripts/build.mjs && node --test test/)

step "benchmark harnesses (quick mode: checks they run and their results are right, not speed)"
BACKSTAGE_BENCH_QUICK=1 cargo bench -p backstage-core --bench core
BACKSTAGE_BENCH_QUICK=1 cargo bench -p backstage-native-driver --bench native

echo
echo "all checks passed"
