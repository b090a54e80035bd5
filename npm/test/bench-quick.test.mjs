// The benchmark's quick mode in Node (bench/node.mjs with BACKSTAGE_BENCH_QUICK=1): every
// workload runs once, ~100x smaller, for every implementation (backstage, xstate, plain JS) and
// a wrong result throws. Correctness only: no timing is asserted.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const npm = join(dirname(fileURLToPath(import.meta.url)), "..");

test("the benchmark's quick mode runs every workload correctly in Node", { timeout: 30_000 }, () => {
  const out = execFileSync(process.execPath, [join(npm, "bench", "node.mjs")], {
    cwd: npm,
    env: { ...process.env, BACKSTAGE_BENCH_QUICK: "1" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 25_000,
  });
  const lines = out.split("\n").filter((l) => l.startsWith("BENCH "));
  const seen = lines.map((l) => l.match(/ name=(\S+) impl=(\S+) value=(\d+) /)?.slice(1, 3).join("/"));
  const expected = [];
  for (const name of ["tell", "ask", "pingpong", "spawn", "fanout"]) {
    for (const impl of ["backstage", "xstate", "plainjs"]) expected.push(`${name}/${impl}`);
  }
  assert.deepEqual(seen, expected, out);
  assert.match(out, /mode=quick/);
});
