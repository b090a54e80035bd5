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

step "core with the wire form (cbor), without std, for wasm32"
cargo build -p backstage-core --no-default-features --features cbor --target wasm32-unknown-unknown

step "fuzz: the CBOR call decoder (fuzz/, libFuzzer, 20 s)"
# New inputs go to a scratch corpus; fuzz/seeds/call_frame (valid frames) is only read. A
# crash leaves its input in fuzz/artifacts/call_frame/ and fails this step.
if rustup toolchain list | grep -q '^nightly' && cargo fuzz --version >/dev/null 2>&1; then
  fuzz_corpus=$(mktemp -d)
  trap 'rm -rf "$fuzz_corpus"' EXIT
  cargo +nightly fuzz run call_frame "$fuzz_corpus" fuzz/seeds/call_frame -- \
    -max_total_time=20 -rss_limit_mb=2048
  rm -rf "$fuzz_corpus"
  trap - EXIT
else
  echo "SKIPPED: no nightly toolchain or cargo-fuzz (scripts/setup.sh installs cargo-fuzz where nightly exists)"
fi

# The wasm test binaries run through `wasm-pack test` (installed by scripts/setup.sh), which
# builds them for wasm32-unknown-unknown and hands each to wasm-bindgen-test-runner. A binary
# says where it runs: nothing → Node, `wasm_bindgen_test_configure!(run_in_browser)` → a page of
# headless Chromium, `run_in_dedicated_worker` → a dedicated Web Worker there (chromedriver,
# with the browser flags of tests/webdriver.json for every crate). `--node` skips the browser
# and worker binaries and `--headless --chrome` the Node ones, both with exit 0, so
# `wasm_pack_test` checks from the output that every binary it names ran and passed at least
# one test. `--mode no-install`: wasm-pack uses the wasm-bindgen on PATH (same version as
# Cargo.lock, checked by setup) and /usr/bin/chromedriver, and fails rather than download
# anything; it runs no wasm-opt for tests. Never `--quiet`: it adds `cargo test --quiet`, which
# the runner rejects. Chromium leaves profile dirs in $TMPDIR, so each run gets a scratch one,
# removed afterwards.
#
# wasm_pack_test "<wasm-pack flags>" CRATE_DIR BINARY...
wasm_pack_test() {
  local flags=$1 dir=$2 binary
  shift 2
  local targets=()
  for binary in "$@"; do targets+=(--test "$binary"); done
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  # shellcheck disable=SC2086 # $flags is a list of flags
  TMPDIR="$scratch" WASM_PACK_CACHE="$scratch/wasm-pack" \
    WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/tests/webdriver.json" \
    wasm-pack test --mode no-install $flags "$dir" "${targets[@]}" 2>&1 | tee "$scratch/log"
  for binary in "$@"; do
    awk -v want="Running tests/$binary.rs " '
      /^ +(Running|Doc-tests) / { here = index($0, want) > 0; next }  # cargo, not the runner
      here && /^test result: ok\. [1-9]/ { ran = 1 }
      END { exit !ran }' "$scratch/log" || {
      echo "wasm-pack test $flags $dir: tests/$binary.rs did not run (or ran no test)" >&2
      exit 1
    }
  done
  rm -rf "$scratch"
  trap - EXIT
}
chrome="--headless --chrome --chromedriver $CHROMEDRIVER"

step "seed acceptance tests as WebAssembly: Node, headless Chromium, a dedicated Web Worker"
# The seed tests (and supervision) compiled to wasm32: tests/tests/wasm_node.rs in Node,
# wasm_browser.rs on a page, wasm_worker.rs in a dedicated worker (the same test modules).
wasm_pack_test --node tests wasm_node
wasm_pack_test "$chrome" tests wasm_browser wasm_worker

step "wasm driver and its exported API: Node, headless Chromium, a dedicated Web Worker"
# backstage-wasm: wasm/tests/node.rs, browser.rs and worker.rs run the bodies of common/mod.rs.
wasm_pack_test --node wasm node
wasm_pack_test "$chrome" wasm browser worker

step "TypeScript package: build (wasm-bindgen, wasm-opt, tsc) and test in Node"
(cd npm && node scripts/build.mjs && node --test test/)

step "benchmark harnesses (quick mode: checks they run and their results are right, not speed)"
BACKSTAGE_BENCH_QUICK=1 cargo bench -p backstage-core --bench core
BACKSTAGE_BENCH_QUICK=1 cargo bench -p backstage-native-driver --bench native

echo
echo "all checks passed"
