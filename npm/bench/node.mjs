// The benchmark in Node: the workloads of bench/workloads.mjs against the built package
// (../dist/node.js; run `node scripts/build.mjs` first), XState v5 and the plain-JS floor.
// BACKSTAGE_BENCH_QUICK=1 runs ~100x smaller, once, for correctness only. Prints a table, the
// targets (PASS/FAIL; the exit code is 0 either way) and `BENCH host=node ...` lines; a wrong
// result throws.
import * as xstate from "xstate";

import * as backstage from "../dist/node.js";
import { FULL, QUICK, benchLines, runAll } from "./workloads.mjs";

const quick = process.env.BACKSTAGE_BENCH_QUICK === "1";
const started = performance.now();
const { results, text } = await runAll(backstage, xstate, quick ? QUICK : FULL, {
  quick,
  log: (s) => console.error(`[node] ${s}`),
});
console.log(`host=node ${process.version} mode=${quick ? "quick (correctness only)" : "full"} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
console.log(text);
for (const l of benchLines("node", results)) console.log(l);
