#!/usr/bin/env bash
# Installs what building and testing Backstage needs. Idempotent: safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "rust toolchain"
command -v cargo >/dev/null || { echo "cargo is required (rustup)"; exit 1; }
cargo --version
# The core must build for wasm32 without std; the image lacks the target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt

step "chromium and chromedriver (headless browser tests)"
# Debian's packages; apt is only touched when one of them is missing.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends chromium chromium-driver
fi
/usr/bin/chromium --version 2>/dev/null  # (its Debian wrapper prints a harmless shell warning)
/usr/bin/chromedriver --version

step "wasm-bindgen CLI (wasm-bindgen, wasm-bindgen-test-runner)"
# The CLI must be exactly the version of the `wasm-bindgen` crate the workspace pins (`=X.Y.Z`
# in Cargo.toml, resolved in Cargo.lock); tools/wasm-bindgen-cli pins the same one.
pinned() { sed -n "s/^$1 = .*\"=\([0-9][0-9.]*\)\".*/\1/p" "$2" | head -n 1; }
want=$(pinned wasm-bindgen Cargo.toml)
tools=$(pinned wasm-bindgen-cli tools/wasm-bindgen-cli/Cargo.toml)
locked=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
if [ -z "$want" ] || [ "$want" != "$tools" ] || [ "$want" != "$locked" ]; then
  echo "wasm-bindgen versions disagree: Cargo.toml '=$want', Cargo.lock '$locked'," \
    "tools/wasm-bindgen-cli '=$tools'" >&2
  exit 1
fi
version_of() { command -v "$1" >/dev/null && "$1" --version | awk '{ print $2 }'; }
if [ "$(version_of wasm-bindgen || true)" != "$want" ] ||
  [ "$(version_of wasm-bindgen-test-runner || true)" != "$want" ]; then
  # A throw-away target dir: the build leaves ~400 MB behind otherwise.
  build_dir=$(mktemp -d)
  trap 'rm -rf "$build_dir"' EXIT
  CARGO_TARGET_DIR="$build_dir" cargo install --path tools/wasm-bindgen-cli --locked --force
  rm -rf "$build_dir"
  trap - EXIT
fi
for tool in wasm-bindgen wasm-bindgen-test-runner; do
  got=$(version_of "$tool" || true)
  if [ "$got" != "$want" ]; then
    echo "$tool is '${got:-missing}' at $(command -v "$tool" || echo '(not on PATH)'), want $want" >&2
    exit 1
  fi
  echo "$tool $got"
done

step "wasm-pack (runs the wasm test suites; scripts/test.sh)"
# Only ever run with `--mode no-install` (scripts/test.sh): it then uses the wasm-bindgen and
# wasm-bindgen-test-runner checked above (their version must equal Cargo.lock's) and
# /usr/bin/chromedriver, and fails instead of downloading anything. `wasm-pack test` runs no
# wasm-opt, so it never looks for binaryen. (Its own once-a-day "newer wasm-pack?" query to
# crates.io runs in the background and fails quietly offline.)
wasm_pack=0.15.1
if [ "$(version_of wasm-pack || true)" != "$wasm_pack" ]; then
  build_dir=$(mktemp -d)
  trap 'rm -rf "$build_dir"' EXIT
  CARGO_TARGET_DIR="$build_dir" cargo install wasm-pack --version "$wasm_pack" --locked --force
  rm -rf "$build_dir"
  trap - EXIT
fi
got=$(version_of wasm-pack || true)
if [ "$got" != "$wasm_pack" ]; then
  echo "wasm-pack is '${got:-missing}' at $(command -v wasm-pack || echo '(not on PATH)'), want $wasm_pack" >&2
  exit 1
fi
echo "wasm-pack $got"

step "cargo-fuzz (the CBOR call decoder's fuzz target, fuzz/; scripts/test.sh)"
# cargo-fuzz needs a nightly toolchain (libFuzzer's sanitizer flags). No toolchain is fetched
# here: where nightly is missing, scripts/test.sh says so and skips the fuzz run.
cargo_fuzz=0.13.2
if rustup toolchain list | grep -q '^nightly'; then
  if [ "$(cargo fuzz --version 2>/dev/null | awk '{ print $2 }')" != "$cargo_fuzz" ]; then
    build_dir=$(mktemp -d)
    trap 'rm -rf "$build_dir"' EXIT
    CARGO_TARGET_DIR="$build_dir" cargo install cargo-fuzz --version "$cargo_fuzz" --locked --force
    rm -rf "$build_dir"
    trap - EXIT
  fi
  echo "cargo-fuzz $(cargo fuzz --version | awk '{ print $2 }')"
else
  echo "no nightly toolchain: cargo-fuzz not installed, the fuzz run will be skipped"
fi

step "npm packages of the TypeScript package (npm ci, from the committed lock)"
command -v node >/dev/null || { echo "node (20+) is required" >&2; exit 1; }
node --version
(cd npm && npm ci --no-audit --no-fund)
echo "setup: ok"
