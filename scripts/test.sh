#!/usr/bin/env bash
# Sets up, then runs every check and test of Backstage. This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

step() { printf '\n== %s\n' "$*"; }
export CARGO_TERM_COLOR=never

step "format"
cargo fmt --all --check

step "lint"
cargo clippy --workspace --all-targets -- -D warnings

step "core without std, for wasm32"
cargo build -p backstage-core --no-default-features --target wasm32-unknown-unknown

step "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

step "tests (unit, doc, acceptance)"
cargo test --workspace

step "core tests without std"
cargo test -p backstage-core --no-default-features --lib --tests

step "benchmark harnesses (quick mode: checks they run and their results are right, not speed)"
BACKSTAGE_BENCH_QUICK=1 cargo bench -p backstage-core --bench core
BACKSTAGE_BENCH_QUICK=1 cargo bench -p backstage-native-driver --bench native

echo
echo "all checks passed"
