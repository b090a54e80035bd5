// Shared by the browser tests (test/browser.test.mjs, test/packaging.test.mjs): a read-only
// node:http server on 127.0.0.1 and Debian's Chromium (never a downloaded one) driven by
// playwright-core with a fresh profile that is removed afterwards. Lives outside test/ because
// `node --test test/` runs every .mjs file there as a test file.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";

export const CHROMIUM = "/usr/bin/chromium";

/** Headless, unsandboxed (root in CI), and off the network: what every launch here passes. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const TYPES = {
  ".wasm": "application/wasm",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".html": "text/html; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
};

/**
 * Serves `root` read-only on 127.0.0.1, port 0: GET/HEAD, no directory listings, nothing outside
 * it, `html` at `/`, and `node_modules/` only if `nodeModules` is set.
 */
export function serve(root, html, { nodeModules = false } = {}) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    if (path === "/" || path === "/index.html") {
      res.writeHead(200, { "content-type": TYPES[".html"], "cache-control": "no-store" }).end(html);
      return;
    }
    const file = normalize(join(root, path));
    if (
      !file.startsWith(root + sep) ||
      (!nodeModules && file.includes(`${sep}node_modules${sep}`)) ||
      !existsSync(file) ||
      !statSync(file).isFile()
    ) {
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
export function within(p, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Serves `root` (with `html` at `/`), opens it in headless Chromium and calls
 * `body({ page, problems, launchMs })`; `problems` collects console errors, page errors, failed
 * requests and HTTP errors. Closes everything and removes the profile afterwards. `t` (a
 * node:test context) gets the clean-up failures as diagnostics.
 */
export async function withChromiumPage(t, { root, html, nodeModules = false }, body) {
  const { chromium } = await import("playwright-core");
  const server = await serve(root, html, { nodeModules });
  const profile = mkdtempSync(join(tmpdir(), "backstage-chromium-"));
  let context;
  try {
    const started = performance.now();
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 30_000,
      args: CHROMIUM_ARGS,
    });
    const launchMs = performance.now() - started;
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
    return await body({ page, problems, launchMs });
  } finally {
    if (context) await within(context.close(), 15_000, "closing Chromium").catch((e) => t.diagnostic(String(e)));
    server.closeAllConnections();
    await within(new Promise((resolve) => server.close(() => resolve())), 5_000, "closing the server").catch((e) =>
      t.diagnostic(String(e)),
    );
    rmSync(profile, { recursive: true, force: true });
  }
}
