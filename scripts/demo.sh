#!/usr/bin/env bash
# Sets up and runs the Backstage demo: the seed examples on the core's deterministic driver and
# on the native engine, then the web examples: builds the npm package and the pages, serves
# examples-web/ on 127.0.0.1 (port $BACKSTAGE_DEMO_PORT, default 8080, or a free one), and
# starts the native example `inspected` with its inspector endpoint (a free port), printing the
# URLs. Runs until Ctrl-C; `BACKSTAGE_DEMO_SECONDS=N` stops it after N seconds instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
printf '\n== the core on its deterministic driver\n'
cargo run -q -p backstage-core --example tour
printf '\n== the native engine: seed examples on two loops\n'
cargo run -q -p backstage-native-driver --example seeds

printf '\n== the web examples and the inspector: building the npm package and the pages\n'
(cd npm && node scripts/build.mjs >/dev/null)
node examples-web/build.mjs

scratch=$(mktemp -d)
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

# Waits up to $2 seconds for a line matching the regex $3 in the file $1; prints the match.
await_line() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    if grep -m1 -oE "$3" "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

node examples-web/serve.mjs --port "${BACKSTAGE_DEMO_PORT:-8080}" >"$scratch/serve.log" 2>&1 &
pids+=($!)
site=$(await_line "$scratch/serve.log" 10 'http://127\.0\.0\.1:[0-9]+/') || {
  cat "$scratch/serve.log" >&2
  exit 1
}

native=
if [ -f native-driver/examples/inspected.rs ]; then
  # Built first, then run as itself (not under `cargo run`), so that stopping it stops the example.
  cargo build -q -p backstage-native-driver --example inspected
  target=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>console.log(JSON.parse(s).target_directory))')
  BACKSTAGE_INSPECTOR_PORT=${BACKSTAGE_INSPECTOR_PORT:-0} "$target/debug/examples/inspected" >"$scratch/native.log" 2>&1 &
  pids+=($!)
  native=$(await_line "$scratch/native.log" 30 'ws://127\.0\.0\.1:[0-9]+') || {
    echo "the native example did not print its endpoint:" >&2
    cat "$scratch/native.log" >&2
    native=
  }
else
  echo "(native-driver/examples/inspected.rs does not exist yet: no native runtime to inspect)"
fi

printf '\nBackstage web examples: %s\n' "$site"
printf '  ping-pong        %sping-pong.html\n' "$site"
printf '  pub/sub chat     %schat.html\n' "$site"
printf '  supervision      %ssupervision.html\n' "$site"
printf '  10,000 actors    %sstress.html\n' "$site"
if [ -n "$native" ]; then
  printf '  native runtime   %sinspector/?ws=%s   (the example `inspected`, endpoint %s)\n' "$site" "$native" "$native"
fi
if [ -n "${BACKSTAGE_DEMO_SECONDS:-}" ]; then
  printf '\nStopping in %s s.\n' "$BACKSTAGE_DEMO_SECONDS"
  sleep "$BACKSTAGE_DEMO_SECONDS"
else
  printf '\nCtrl-C stops the demo.\n'
  wait "${pids[0]}"
fi
