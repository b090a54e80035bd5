#!/usr/bin/env bash
# Sets up and runs the Backstage demo: the seed examples on the core's deterministic driver,
# then on the native engine (two event loops on real threads).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
printf '\n== the core on its deterministic driver\n'
cargo run -q -p backstage-core --example tour
printf '\n== the native engine: seed examples on two loops\n'
cargo run -q -p backstage-native-driver --example seeds
printf '\nMore: cargo run -p backstage-native-driver --example chat   (then: nc 127.0.0.1 PORT)\n'
