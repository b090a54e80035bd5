#!/usr/bin/env bash
# Sets up and runs the Backstage demo: a tour of the seed examples on the core runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo run -q -p backstage-core --example tour
