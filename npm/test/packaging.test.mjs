// The package as users get it: `npm pack`, then the tarball installed (offline; it has no
// runtime dependencies) into fresh projects outside the repository, and used from there by Node
// ESM, Node CommonJS, the slim entry (ESM and require(), with the exported .wasm), strict
// TypeScript compiles (NodeNext and Bundler resolution), plain module pages in headless Chromium
// (the default entry and /web), an esbuild bundle (ESM and iife) with no wasm plugin, a module
// Web Worker on /slim, and the size budget of the minified API. Every child process has a time
// limit; the temp directory is removed afterwards.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { CHROMIUM, withChromiumPage } from "../scripts/chromium.mjs";
import { API_BUDGET, ESBUILD, apiSize, formatSize } from "../scripts/size.mjs";

const npm = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(npm, "node_modules", ".bin", "tsc");

/** Runs a command with a time limit; resolves with its stdout, rejects with its output. */
function run(cmd, args, { cwd, timeout = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${cmd} ${args.join(" ")} (in ${cwd}) failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Runs a script file with Node in `cwd` (with `flags`) and parses the JSON line it prints last. */
async function node(cwd, file, source, flags = []) {
  writeFileSync(join(cwd, file), source);
  const out = await run(process.execPath, [...flags, file], { cwd, timeout: 20_000 });
  return JSON.parse(out.trim().split("\n").at(-1));
}

let temp;
let tarball;
let packed;
let esm; // a `"type": "module"` project
let cjs; // a CommonJS project (no `type`)
let exportsMap; // the installed package.json's `exports`

before(async () => {
  if (!existsSync(join(npm, "dist", "cjs", "require-slim.js")) || !existsSync(join(npm, "pkg", "backstage_wasm_base64.js"))) {
    throw new Error("the package is not built: run node scripts/build.mjs first");
  }
  temp = mkdtempSync(join(tmpdir(), "backstage-packaging-"));
  [packed] = JSON.parse(await run("npm", ["pack", "--json", "--pack-destination", temp], { cwd: npm }));
  tarball = join(temp, packed.filename);
  const project = async (name, pkg) => {
    const dir = join(temp, name);
    mkdirSync(dir);
    writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name, version: "0.0.0", private: true, ...pkg }, null, 2)}\n`);
    await run("npm", ["install", "--no-audit", "--no-fund", "--offline", "--ignore-scripts", tarball], { cwd: dir, timeout: 60_000 });
    return dir;
  };
  [esm, cjs] = await Promise.all([project("consumer-esm", { type: "module" }), project("consumer-cjs", {})]);
  exportsMap = JSON.parse(readFileSync(join(esm, "node_modules", "backstage-actors", "package.json"), "utf8")).exports;
});

/** The installed package's URL path (as the test server serves it) for an `exports` target. */
const served = (target) => `/node_modules/backstage-actors/${target.replace(/^\.\//, "")}`;

after(() => {
  if (temp) rmSync(temp, { recursive: true, force: true });
});

test("the tarball holds the entries, the glue (ESM and CommonJS), one module and its base64, and nothing else", (t) => {
  const files = packed.files.map((f) => f.path).sort();
  for (const f of [
    "package.json",
    "dist/index.d.ts",
    "dist/inline.js",
    "dist/node.js",
    "dist/web.js",
    "dist/web.d.ts",
    "dist/slim.js",
    "dist/slim.d.ts",
    "dist/cjs/package.json",
    "dist/cjs/require.js",
    "dist/cjs/require.d.ts",
    "dist/cjs/require-slim.js",
    "dist/cjs/require-slim.d.ts",
  ]) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  assert.deepEqual(
    files.filter((f) => f.startsWith("pkg/")),
    ["pkg/backstage_wasm.cjs", "pkg/backstage_wasm.js", "pkg/backstage_wasm_base64.js", "pkg/backstage_wasm_bg.wasm"],
    "the glue twice, the module and its base64 (no generated, DOM-typed declarations)",
  );
  assert.deepEqual(files.filter((f) => f.endsWith(".wasm")), ["pkg/backstage_wasm_bg.wasm"], "one .wasm");
  assert.deepEqual(files.filter((f) => !/^(dist\/|pkg\/|package\.json$|README\.md$)/.test(f)), [], "no stray files");

  // Every file the exports map names is in the tarball.
  const targets = (v) => (typeof v === "string" ? [v] : Object.values(v).flatMap(targets));
  for (const target of targets(exportsMap)) assert.ok(files.includes(target.replace(/^\.\//, "")), `${target} (exports) is in the tarball`);

  t.diagnostic(`tarball ${packed.filename}: ${(statSync(tarball).size / 1024).toFixed(1)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${files.length} files`);
});

test("size: the API as a bundler ships it (TS layer + glue, minified, gzipped, without the .wasm) is within 15 kB", (t) => {
  // Bundled from the installed package by its name, for the browser (the default entry, whose
  // inlined module is left out) and from /slim; every export kept.
  writeFileSync(join(esm, "size-default.js"), `export * from "backstage-actors";\n`);
  writeFileSync(join(esm, "size-slim.js"), `export * from "backstage-actors/slim";\n`);
  for (const [name, entry] of [
    ["backstage-actors", "size-default.js"],
    ["backstage-actors/slim", "size-slim.js"],
  ]) {
    const size = apiSize(entry, { cwd: esm });
    t.diagnostic(`${name}: ${formatSize(size.minified, size.gzipped)} (${size.gzipped} bytes gzipped; budget ${API_BUDGET})`);
    assert.ok(size.code.includes("ActorSystem") || size.code.includes("RUNTIME_SHUT_DOWN"), `${name}: the bundle holds the API`);
    assert.ok(!size.code.includes("AGFzbQ"), `${name}: the bundle holds no inlined module`);
    assert.ok(size.minified > 5_000, `${name}: the bundle holds the glue and the TS layer (${size.minified} bytes)`);
    assert.ok(size.gzipped <= API_BUDGET, `${name}: ${size.gzipped} bytes gzipped, over the ${API_BUDGET}-byte budget`);
  }
  // The shipped .wasm and its base64, for the record.
  const dir = join(esm, "node_modules", "backstage-actors", "pkg");
  for (const f of ["backstage_wasm_bg.wasm", "backstage_wasm_base64.js"]) {
    const bytes = readFileSync(join(dir, f));
    t.diagnostic(`${f}: ${formatSize(bytes.length, gzipSync(bytes, { level: 9 }).length)}`);
  }
});

// The program each Node check runs: one actor, a tell, an ask with a reply, and the typed error
// of a spawn after shutdown (the entry's error classes, not bare Errors).
const body = (api) => `
const system = ${api}.ActorSystem.create();
const doubler = system.spawn(() => ({ receive: (m) => (m.type === "double" ? m.n * 2 : -1) }));
doubler.tell({ type: "noop" });
const reply = await doubler.ask({ type: "double", n: 21 }, { timeout: 5000 });
system.shutdown();
let error;
try {
  system.spawn({ receive() {} });
} catch (e) {
  error = { backstage: e instanceof ${api}.BackstageError, code: e.code, name: e.name };
}
console.log(JSON.stringify({ reply, error, resolved }));
`;
const expected = { reply: 42, error: { backstage: true, code: "RUNTIME_SHUT_DOWN", name: "RuntimeShutDownError" } };

test("Node ESM: import from 'backstage-actors' (the node entry)", { timeout: 30_000 }, async () => {
  const out = await node(
    esm,
    "main.mjs",
    `import * as api from "backstage-actors";
const resolved = import.meta.resolve("backstage-actors");
${body("api")}`,
  );
  assert.match(out.resolved, /\/node_modules\/backstage-actors\/dist\/node\.js$/);
  assert.deepEqual({ ...out, resolved: undefined }, { ...expected, resolved: undefined });
});

test("Node CommonJS: require('backstage-actors') in a CommonJS project", { timeout: 30_000 }, async () => {
  const out = await node(
    cjs,
    "main.js",
    `const api = require("backstage-actors");
const resolved = require.resolve("backstage-actors");
if (typeof api.ActorSystem !== "function") throw new Error("require() gave no ActorSystem");
(async () => {
${body("api")}
})().catch((e) => { console.error(e); process.exit(1); });`,
  );
  assert.match(out.resolved, /\/node_modules\/backstage-actors\/dist\/cjs\/require\.js$/);
  assert.deepEqual({ ...out, resolved: undefined }, { ...expected, resolved: undefined });
});

test("the default entry (module inlined) runs in Node too, under --conditions=browser (the atob path: Node 20 has no Uint8Array.fromBase64)", { timeout: 30_000 }, async () => {
  const out = await node(
    esm,
    "inline.mjs",
    `import * as api from "backstage-actors";
const resolved = import.meta.resolve("backstage-actors");
${body("api")}`,
    ["--conditions=browser"],
  );
  assert.match(out.resolved, /\/node_modules\/backstage-actors\/dist\/inline\.js$/);
  assert.deepEqual({ ...out, resolved: undefined }, { ...expected, resolved: undefined });
});

test("slim (ESM): initialize(bytes) from 'backstage-actors/slim', the .wasm found through its export", { timeout: 30_000 }, async () => {
  const out = await node(
    esm,
    "slim.mjs",
    `import { readFileSync } from "node:fs";
import * as api from "backstage-actors/slim";
const resolved = import.meta.resolve("backstage-actors/slim");
const wasm = import.meta.resolve("backstage-actors/backstage.wasm");
let before;
try {
  api.ActorSystem.create();
} catch (e) {
  before = e.code;
}
await api.initialize(readFileSync(new URL(wasm)));
${body("api").replace("resolved }", "resolved, before, wasm }")}`,
  );
  assert.match(out.resolved, /\/node_modules\/backstage-actors\/dist\/slim\.js$/);
  assert.match(out.wasm, /\/node_modules\/backstage-actors\/pkg\/backstage_wasm_bg\.wasm$/);
  assert.equal(out.before, "RUNTIME_ABORTED", "create() before initialize() throws");
  assert.deepEqual({ ...out, resolved: undefined, before: undefined, wasm: undefined }, { ...expected, resolved: undefined, before: undefined, wasm: undefined });
});

test("slim (CommonJS): require('backstage-actors/slim'), initialize(a compiled WebAssembly.Module)", { timeout: 30_000 }, async () => {
  const out = await node(
    cjs,
    "slim.js",
    `const { readFileSync } = require("node:fs");
const api = require("backstage-actors/slim");
const resolved = require.resolve("backstage-actors/slim");
const wasm = require.resolve("backstage-actors/backstage.wasm");
let before;
try {
  api.ActorSystem.create();
} catch (e) {
  before = e.code;
}
(async () => {
await api.initialize(new WebAssembly.Module(readFileSync(wasm)));
${body("api").replace("resolved }", "resolved, before, wasm }")}
})().catch((e) => { console.error(e); process.exit(1); });`,
  );
  assert.match(out.resolved, /\/node_modules\/backstage-actors\/dist\/cjs\/require-slim\.js$/);
  assert.match(out.wasm, /\/node_modules\/backstage-actors\/pkg\/backstage_wasm_bg\.wasm$/);
  assert.equal(out.before, "RUNTIME_ABORTED", "create() before initialize() throws");
  assert.deepEqual({ ...out, resolved: undefined, before: undefined, wasm: undefined }, { ...expected, resolved: undefined, before: undefined, wasm: undefined });
});

const TS_PROGRAM = (from) => `import { ActorSystem, BackstageError, type ActorRef, type SystemMetrics } from "${from}";

type Msg = { type: "double"; n: number } | { type: "noop" };
const system = ActorSystem.create();
const doubler: ActorRef<Msg, number> = system.spawn<Msg, number>(() => ({
  receive: (m) => (m.type === "double" ? m.n * 2 : -1),
}));
export async function main(): Promise<number> {
  const reply: number = await doubler.ask({ type: "double", n: 21 }, { timeout: 1000 });
  // @ts-expect-error a message outside Msg is rejected
  doubler.tell({ type: "triple", n: 1 });
  // @ts-expect-error the reply is a number
  const wrong: string = await doubler.ask({ type: "noop" });
  const metrics: SystemMetrics = system.metrics();
  const counter = system.spawnRust("counter");
  const total: number = await counter.ask({ type: "add", by: 1 });
  // @ts-expect-error the Rust counter takes no "multiply"
  counter.tell({ type: "multiply", by: 2 });
  // @ts-expect-error only the module's Rust actors can be spawned by name
  system.spawnRust("nope");
  const news = system.stream<{ title: string }>("news");
  // @ts-expect-error a stream carries its type
  news.next({ headline: "x" });
  const e: unknown = wrong;
  return e instanceof BackstageError ? metrics.sent + total : reply;
}
`;
const TS_SLIM = (from) => `import { ActorSystem, initialize, type ModuleSource } from "${from}";
const bytes: ModuleSource = new Uint8Array(0);
export const ready: Promise<void> = initialize(bytes).then(() => ActorSystem.create().shutdown());
`;

/**
 * Compiles `files` strict (no DOM or Node types, skipLibCheck off) in a new directory of the ESM
 * project with `options`, and returns, for each specifier, the declarations it resolved to.
 */
async function typecheck(name, options, files) {
  const dir = join(esm, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        lib: ["ES2022", "ESNext.Disposable"],
        types: [],
        strict: true,
        exactOptionalPropertyTypes: true,
        skipLibCheck: false,
        noEmit: true,
        ...options,
      },
      include: ["*.ts", "*.mts", "*.cts"],
    }),
  );
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  // Compiles, and shows which declarations each import resolved to (only the errors on failure).
  const trace = await run(tsc, ["-p", "tsconfig.json", "--traceResolution"], { cwd: dir }).catch((e) => {
    throw new Error(e.message.split("\n").filter((l) => /error TS|failed:/.test(l)).join("\n"));
  });
  const resolved = {};
  for (const m of trace.matchAll(/Module name '(backstage-actors[^']*)' was successfully resolved to '[^']*\/node_modules\/backstage-actors\/([^']+)'/g)) {
    resolved[m[1]] = [...new Set([...(resolved[m[1]] ?? []), m[2]])].sort();
  }
  return resolved;
}

test("TypeScript: the installed declarations compile strict, NodeNext (ESM and .cts), no DOM or Node types", { timeout: 30_000 }, async () => {
  const resolved = await typecheck(
    "typed-nodenext",
    { module: "NodeNext", moduleResolution: "NodeNext" },
    {
      // ESM (the project is "type": "module") and CommonJS (.cts) for each entry.
      "esm.ts": TS_PROGRAM("backstage-actors"),
      "cjs.cts": TS_PROGRAM("backstage-actors"),
      "web.ts": TS_PROGRAM("backstage-actors/web"),
      "slim.ts": TS_SLIM("backstage-actors/slim"),
      "slim-cjs.cts": TS_SLIM("backstage-actors/slim"),
    },
  );
  assert.deepEqual(resolved, {
    "backstage-actors": ["dist/cjs/require.d.ts", "dist/index.d.ts"],
    "backstage-actors/web": ["dist/web.d.ts"],
    "backstage-actors/slim": ["dist/cjs/require-slim.d.ts", "dist/slim.d.ts"],
  });
});

test("TypeScript: the installed declarations compile strict, Bundler resolution (as a browser app sees them)", { timeout: 30_000 }, async () => {
  const resolved = await typecheck(
    "typed-bundler",
    { module: "ESNext", moduleResolution: "Bundler", verbatimModuleSyntax: true },
    {
      "app.ts": TS_PROGRAM("backstage-actors"),
      "web.ts": TS_PROGRAM("backstage-actors/web"),
      "slim.ts": TS_SLIM("backstage-actors/slim"),
    },
  );
  assert.deepEqual(resolved, {
    "backstage-actors": ["dist/index.d.ts"],
    "backstage-actors/web": ["dist/web.d.ts"],
    "backstage-actors/slim": ["dist/slim.d.ts"],
  });
});

// ---- Chromium: plain pages, a bundle, a Worker ----

/** A page whose module script runs `script` and leaves `{ ...result }` or `{ fatal }` in `window.__result`. */
const page = (title, script, head = "") => `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>${title}</title>
${head}
</head>
<body>
<script type="module">
try {
${script}
} catch (e) {
  window.__result = { fatal: String(e && e.stack ? e.stack : e) };
}
</script>
</body>
</html>
`;

// A doubler and a counter: tells, then asks (the counter's total proves the tells ran first).
const ACTORS = `
  const system = ActorSystem.create();
  const doubler = system.spawn(() => ({ receive: (m) => m.n * 2 }));
  const counter = system.spawn(() => {
    let total = 0;
    return { receive: (m) => (m.type === "add" ? (total += m.by) : total) };
  });
  for (let i = 1; i <= 10; i++) counter.tell({ type: "add", by: i });
  const result = { reply: await doubler.ask({ n: 21 }, { timeout: 5000 }), total: await counter.ask({ type: "get" }, { timeout: 5000 }) };
  system.shutdown();
`;
const ACTORS_EXPECTED = { reply: 42, total: 55 };

/** Opens `html` (served with `root`) in Chromium, waits for `window.__result` and returns it with the page's problems and fetched .wasm URLs. */
async function inChromium(t, { root, html, nodeModules }) {
  return withChromiumPage(t, { root, html, nodeModules }, async ({ page: p, problems }) => {
    await p.waitForFunction(() => window.__result !== undefined, undefined, { timeout: 30_000 });
    const result = await p.evaluate(() => window.__result);
    const wasm = await p.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .map((e) => new URL(e.name).pathname)
        .filter((u) => u.endsWith(".wasm")),
    );
    return { result, problems, wasm };
  });
}

const chromium = (name, fn) =>
  test(name, { timeout: 90_000 }, async (t) => {
    if (!existsSync(CHROMIUM)) {
      t.skip(`${CHROMIUM} is not installed`);
      return;
    }
    await fn(t);
  });

chromium("Chromium: a bare <script type=module> imports the default entry (module inlined, no .wasm fetched)", async (t) => {
  const entry = served(exportsMap["."].default);
  assert.equal(served(exportsMap["."].browser.default), entry, "`browser` and `default` are the same entry");
  const html = page(
    "backstage-actors: default entry",
    `const { ActorSystem } = await import(${JSON.stringify(entry)});
${ACTORS}
  window.__result = result;`,
  );
  const { result, problems, wasm } = await inChromium(t, { root: esm, html, nodeModules: true });
  assert.deepEqual(result, ACTORS_EXPECTED);
  assert.deepEqual(wasm, [], "the module came inlined");
  assert.deepEqual(problems, [], "no console errors, page errors or failed requests");
});

chromium("Chromium: a bare <script type=module> imports backstage-actors/web (fetches the .wasm next to it)", async (t) => {
  const html = page(
    "backstage-actors/web",
    `const { ActorSystem } = await import(${JSON.stringify(served(exportsMap["./web"].default))});
${ACTORS}
  window.__result = result;`,
  );
  const { result, problems, wasm } = await inChromium(t, { root: esm, html, nodeModules: true });
  assert.deepEqual(result, ACTORS_EXPECTED);
  assert.deepEqual(wasm, [served(exportsMap["./backstage.wasm"])], "the exported .wasm, fetched once");
  assert.deepEqual(problems, [], "no console errors, page errors or failed requests");
});

chromium("bundler: esbuild bundles an app importing 'backstage-actors' (ESM and iife, no wasm plugin); it runs in Chromium", async (t) => {
  const dir = join(esm, "bundled");
  mkdirSync(join(dir, "out"), { recursive: true });
  writeFileSync(
    join(dir, "app.js"),
    `import { ActorSystem, AskTimeoutError } from "backstage-actors";

async function main() {
${ACTORS}
  return { ...result, errors: typeof AskTimeoutError === "function" };
}
main().then(
  (result) => { (globalThis.__results ??= {})[FORMAT] = result; },
  (e) => { (globalThis.__results ??= {})[FORMAT] = { fatal: String(e && e.stack ? e.stack : e) }; },
);
`,
  );
  for (const format of ["esm", "iife"]) {
    await run(
      ESBUILD,
      [
        "app.js",
        "--bundle",
        "--minify",
        "--platform=browser",
        `--format=${format}`,
        `--define:FORMAT="${format}"`,
        `--outfile=out/app.${format}.js`,
        `--metafile=out/${format}.meta.json`,
        "--log-level=warning",
      ],
      { cwd: dir },
    );
    const inputs = Object.keys(JSON.parse(readFileSync(join(dir, "out", `${format}.meta.json`), "utf8")).inputs);
    const entry = exportsMap["."].browser.default.replace(/^\.\//, "../node_modules/backstage-actors/");
    assert.ok(inputs.includes(entry), `${format}: esbuild took the browser entry ${entry} (inputs: ${inputs.join(", ")})`);
    assert.ok(!inputs.some((i) => /dist\/(node|web)\.js|\.wasm$/.test(i)), `${format}: nothing Node-only or fetched`);
  }
  const { size } = statSync(join(dir, "out", "app.esm.js"));
  t.diagnostic(`esbuild bundle (minified, module inlined): ${formatSize(size, gzipSync(readFileSync(join(dir, "out", "app.esm.js")), { level: 9 }).length)}`);
  // Served without node_modules: the bundles are all the page gets.
  const html = page(
    "backstage-actors bundled by esbuild",
    `for (const src of ["/out/app.esm.js", "/out/app.iife.js"]) {
    const s = document.createElement("script");
    if (src.includes("esm")) s.type = "module";
    s.src = src;
    document.body.append(s);
  }
  const started = performance.now();
  while (Object.keys(globalThis.__results ?? {}).length < 2 && performance.now() - started < 20000) await new Promise((r) => setTimeout(r, 10));
  window.__result = globalThis.__results ?? {};`,
  );
  const { result, problems, wasm } = await inChromium(t, { root: dir, html, nodeModules: false });
  const ran = { ...ACTORS_EXPECTED, errors: true };
  assert.deepEqual(result, { esm: ran, iife: ran });
  assert.deepEqual(wasm, [], "the module came inlined");
  assert.deepEqual(problems, [], "no console errors, page errors or failed requests");
});

chromium("Web Worker: a module Worker imports /slim and initializes from the exported .wasm (URL, then bytes)", async (t) => {
  const slim = served(exportsMap["./slim"].default);
  const wasmPath = served(exportsMap["./backstage.wasm"]);
  // The worker reads how to initialize from its URL, runs the actors and posts the result.
  writeFileSync(
    join(esm, "worker.js"),
    `import { ActorSystem, initialize } from ${JSON.stringify(slim)};
const params = new URL(import.meta.url).searchParams;
try {
  const url = new URL(${JSON.stringify(wasmPath)}, self.location.origin);
  await initialize(params.get("source") === "url" ? url : await (await fetch(url)).arrayBuffer());
${ACTORS}
  postMessage({ ...result, worker: typeof WorkerGlobalScope === "function" && self instanceof WorkerGlobalScope });
} catch (e) {
  postMessage({ fatal: String(e && e.stack ? e.stack : e) });
}
`,
  );
  const html = page(
    "backstage-actors/slim in a Worker",
    `const inWorker = (source) =>
    new Promise((resolve) => {
      const worker = new Worker("/worker.js?source=" + source, { type: "module" });
      worker.onmessage = (e) => { worker.terminate(); resolve(e.data); };
      worker.onerror = (e) => { worker.terminate(); resolve({ fatal: e.message || "worker error" }); };
    });
  window.__result = { url: await inWorker("url"), bytes: await inWorker("bytes") };`,
  );
  const { result, problems } = await inChromium(t, { root: esm, html, nodeModules: true });
  const ran = { ...ACTORS_EXPECTED, worker: true };
  assert.deepEqual(result, { url: ran, bytes: ran });
  assert.deepEqual(problems, [], "no console errors, page errors or failed requests");
});
