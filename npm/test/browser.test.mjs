// The seed acceptance tests (test/seeds/seeds.ts, compiled here) in headless Chromium, against
// the browser entry (dist/web.js, which fetches the module next to the package). A node:http
// server on 127.0.0.1 serves this directory; playwright-core drives the system's Chromium
// (never a downloaded one) with a fresh profile that is removed afterwards (scripts/chromium.mjs).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { CHROMIUM, withChromiumPage } from "../scripts/chromium.mjs";
import { compileSeeds } from "../scripts/compile-seeds.mjs";

const npm = join(dirname(fileURLToPath(import.meta.url)), "..");
const SEEDS = [
  "hello_world_string",
  "hello_world_struct",
  "actor_to_actor",
  "pub_sub",
  "multiple_methods",
  "large_struct",
  "array_list_actor",
  "poison_pill",
  // The same in the proxy style (test/seeds/proxies.ts), and TypeScript ↔ Rust method calls.
  "proxy_hello_world_string",
  "proxy_hello_world_struct",
  "proxy_actor_to_actor",
  "proxy_pub_sub",
  "proxy_multiple_methods",
  "proxy_large_struct",
  "proxy_array_list_actor",
  "proxy_poison_pill",
  "proxy_mixed_rust_and_typescript",
];

// The page: imports the browser entry and the compiled seed bodies, runs every seed in order,
// and leaves the outcome in `window.__seedResults` (or `window.__seedFatal` if loading failed).
const PAGE = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>backstage-actors seeds</title>
</head>
<body>
<script type="module">
try {
  const api = await import("/dist/web.js");
  const { seeds, proxySeeds, runSeed } = await import("/test-dist/browser/seeds.js");
  const results = [];
  for (const seed of [...seeds, ...proxySeeds]) results.push(await runSeed(api, seed, () => performance.now()));
  window.__seedResults = results;
} catch (e) {
  window.__seedFatal = String(e && e.stack ? e.stack : e);
}
</script>
</body>
</html>
`;

test("the seeds pass in headless Chromium", { timeout: 90_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed`);
    return;
  }
  compileSeeds("browser");
  await withChromiumPage(t, { root: npm, html: PAGE }, async ({ page, problems, launchMs }) => {
    const loaded = performance.now();
    await page.waitForFunction(() => window.__seedResults !== undefined || window.__seedFatal !== undefined, undefined, {
      timeout: 60_000,
    });
    const fatal = await page.evaluate(() => window.__seedFatal);
    assert.equal(fatal, undefined, `the page failed to load the package or the seeds:\n${fatal}`);
    const results = await page.evaluate(() => window.__seedResults);
    const done = performance.now();

    const ua = await page.evaluate(() => navigator.userAgent);
    t.diagnostic(`${ua.match(/Chrom[^ ]+/)?.[0] ?? ua}: launch ${launchMs.toFixed(0)} ms, seeds ${(done - loaded).toFixed(0)} ms after load`);
    for (const r of results) t.diagnostic(`${r.ok ? "ok" : "FAILED"} ${r.name} (${r.ms.toFixed(1)} ms)`);

    assert.deepEqual(
      results.map((r) => r.name),
      SEEDS,
      "every seed ran, in order",
    );
    const failed = results.filter((r) => !r.ok);
    assert.deepEqual(failed, [], `seeds failed in Chromium:\n${failed.map((r) => `${r.name}: ${r.error}`).join("\n")}`);
    assert.deepEqual(problems, [], "no console errors, page errors or failed requests");
  });
});
