// The seed acceptance tests (test/seeds/seeds.ts, compiled here) in headless Chromium, against
// the browser entry (dist/web.js, which fetches the module next to the package). A node:http
// server on 127.0.0.1 serves this directory; playwright-core drives the system's Chromium
// (never a downloaded one) with a fresh profile that is removed afterwards.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, sep } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { compileSeeds } from "../scripts/compile-seeds.mjs";

const npm = join(dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = "/usr/bin/chromium";
const SEEDS = [
  "hello_world_string",
  "hello_world_struct",
  "actor_to_actor",
  "pub_sub",
  "multiple_methods",
  "large_struct",
  "array_list_actor",
  "poison_pill",
];

const TYPES = {
  ".wasm": "application/wasm",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".html": "text/html; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
};

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
  const { seeds, runSeed } = await import("/test-dist/browser/seeds.js");
  const results = [];
  for (const seed of seeds) results.push(await runSeed(api, seed, () => performance.now()));
  window.__seedResults = results;
} catch (e) {
  window.__seedFatal = String(e && e.stack ? e.stack : e);
}
</script>
</body>
</html>
`;

/** Serves `npm/` read-only: GET/HEAD, no directory listings, nothing outside it. */
function serve() {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    if (path === "/" || path === "/index.html") {
      res.writeHead(200, { "content-type": TYPES[".html"], "cache-control": "no-store" }).end(PAGE);
      return;
    }
    const file = normalize(join(npm, path));
    if (!file.startsWith(npm + sep) || file.includes(`${sep}node_modules${sep}`) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const type = TYPES[extname(file)] ?? "application/octet-stream";
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(req.method === "HEAD" ? undefined : readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

/** Resolves with `p`, or rejects after `ms` (the timer never keeps the process alive). */
function within(p, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

test("the seeds pass in headless Chromium", { timeout: 90_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed`);
    return;
  }
  compileSeeds("browser");
  const { chromium } = await import("playwright-core");

  const server = await serve();
  const profile = mkdtempSync(join(tmpdir(), "backstage-chromium-"));
  let context;
  try {
    const started = performance.now();
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 30_000,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const launched = performance.now();
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
    const problems = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.stack ?? e.message}`));
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });

    const { port } = server.address();
    await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: "load" });
    await page.waitForFunction(() => window.__seedResults !== undefined || window.__seedFatal !== undefined, undefined, {
      timeout: 60_000,
    });
    const fatal = await page.evaluate(() => window.__seedFatal);
    assert.equal(fatal, undefined, `the page failed to load the package or the seeds:\n${fatal}`);
    const results = await page.evaluate(() => window.__seedResults);
    const done = performance.now();

    const ua = await page.evaluate(() => navigator.userAgent);
    t.diagnostic(`${ua.match(/Chrom[^ ]+/)?.[0] ?? ua}: launch ${(launched - started).toFixed(0)} ms, page and seeds ${(done - launched).toFixed(0)} ms`);
    for (const r of results) t.diagnostic(`${r.ok ? "ok" : "FAILED"} ${r.name} (${r.ms.toFixed(1)} ms)`);

    assert.deepEqual(
      results.map((r) => r.name),
      SEEDS,
      "every seed ran, in order",
    );
    const failed = results.filter((r) => !r.ok);
    assert.deepEqual(failed, [], `seeds failed in Chromium:\n${failed.map((r) => `${r.name}: ${r.error}`).join("\n")}`);
    assert.deepEqual(problems, [], "no console errors, page errors or failed requests");
  } finally {
    if (context) await within(context.close(), 15_000, "closing Chromium").catch((e) => t.diagnostic(String(e)));
    server.closeAllConnections();
    await within(new Promise((resolve) => server.close(() => resolve())), 5_000, "closing the server").catch((e) =>
      t.diagnostic(String(e)),
    );
    rmSync(profile, { recursive: true, force: true });
  }
});
