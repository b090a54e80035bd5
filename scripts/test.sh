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

step "core without std, for wasm32"
cargo build -p backstage-core --no-default-features --target wasm32-unknown-unknown

step "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

step "tests (unit, doc, acceptance)"
cargo test --workspace

step "core tests without std"
cargo test -p backstage-core --no-default-features --lib --tests

step "seed acceptance tests in Node and headless Chromium"
# The seed tests (and supervision) compiled to wasm32 and run by wasm-bindgen-test-runner
# (`.cargo/config.toml`): `wasm_node` in Node, `wasm_browser` in headless Chromium through
# chromedriver (flags in tests/webdriver.json). Never `-q` here: the runner rejects `--quiet`.
# Chromium leaves profile dirs in $TMPDIR, so it gets a scratch one, removed afterwards.
browser_tmp=$(mktemp -d)
trap 'rm -rf "$browser_tmp"' EXIT
TMPDIR="$browser_tmp" \
  cargo test -p backstage-tests --target wasm32-unknown-unknown --test wasm_node --test wasm_browser
rm -rf "$browser_tmp"
trap - EXIT

step "benchmark harnesses (quick mode: checks they run and their results are right, not speed)"
BACKSTAGE_BENCH_QUICK=1 cargo bench -p backstage-core --bench core
BACKSTAGE_BENCH_QUICK=1 cargo bench -p backstage-native-driver --bench native

echo
echo "all checks passed"
