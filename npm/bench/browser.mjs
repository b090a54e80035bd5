// The benchmark in headless Chromium: serves npm/ (the package's browser entry dist/web.js, the
// shared bench/workloads.mjs, and node_modules/xstate's production ESM build
// dist/xstate.esm.js through an import map) on 127.0.0.1 with scripts/chromium.mjs, runs the
// same workloads in the page and prints the same table and `BENCH host=chromium ...` lines.
// The page runs at `/?run=1`; BACKSTAGE_BENCH_QUICK=1 (the page's `&quick=1`) runs the small correctness-only mode.
// Needs /usr/bin/chromium (never downloaded): without it, says so and exits 0.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { CHROMIUM, withChromiumPage } from "../scripts/chromium.mjs";

const npm = join(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.env.BACKSTAGE_BENCH_QUICK === "1";

const PAGE = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>backstage-actors bench</title>
<script type="importmap">
{ "imports": { "xstate": "/node_modules/xstate/dist/xstate.esm.js" } }
</script>
</head>
<body>
<script type="module">
// Runs only when asked: /?run=1 (full) or /?run=1&quick=1 (quick, correctness only).
const params = new URLSearchParams(location.search);
if (params.get("run") === "1") try {
  const quick = params.get("quick") === "1";
  const backstage = await import("/dist/web.js");
  const xstate = await import("xstate");
  const { FULL, QUICK, benchLines, runAll } = await import("/bench/workloads.mjs");
  const started = performance.now();
  const out = await runAll(backstage, xstate, quick ? QUICK : FULL, { quick, log: (s) => console.log("[chromium] " + s) });
  window.__bench = { ...out, quick, seconds: (performance.now() - started) / 1000, lines: benchLines("chromium", out.results) };
} catch (e) {
  window.__benchFatal = String(e && e.stack ? e.stack : e);
}
</script>
</body>
</html>
`;

if (!existsSync(CHROMIUM)) {
  console.log(`${CHROMIUM} is not installed: browser benchmark skipped`);
  process.exit(0);
}
const t = { diagnostic: (s) => console.error(`[chromium] ${s}`) };
await withChromiumPage(t, { root: npm, html: PAGE, nodeModules: true }, async ({ page, problems }) => {
  page.on("console", (m) => {
    if (m.type() === "log") console.error(m.text());
  });
  await page.goto(`${page.url()}?run=1${quick ? "&quick=1" : ""}`, { waitUntil: "load" });
  await page.waitForFunction(() => window.__bench !== undefined || window.__benchFatal !== undefined, undefined, {
    timeout: 300_000,
    polling: 250,
  });
  const fatal = await page.evaluate(() => window.__benchFatal);
  if (fatal) throw new Error(`the benchmark page failed:\n${fatal}`);
  if (problems.length) throw new Error(`problems in the page:\n${problems.join("\n")}`);
  const bench = await page.evaluate(() => window.__bench);
  const ua = await page.evaluate(() => navigator.userAgent);
  console.log(`host=chromium ${ua.match(/Chrom[^ ]+/)?.[0] ?? ua} mode=${bench.quick ? "quick (correctness only)" : "full"} (${bench.seconds.toFixed(1)} s)`);
  console.log(bench.text);
  for (const l of bench.lines) console.log(l);
});
