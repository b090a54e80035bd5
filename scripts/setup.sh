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
echo "setup: ok"
