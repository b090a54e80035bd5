// The package as users get it: `npm pack`, then the tarball installed (offline; it has no
// runtime dependencies) into fresh projects outside the repository, and used from there by Node
// ESM, Node CommonJS, the slim entry, a strict TypeScript compile and a page in headless
// Chromium. Every child process has a time limit; the temp directory is removed afterwards.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { CHROMIUM, withChromiumPage } from "../scripts/chromium.mjs";

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

/** Runs a script file with Node in `cwd` and parses the JSON line it prints last. */
async function node(cwd, file, source) {
  writeFileSync(join(cwd, file), source);
  const out = await run(process.execPath, [file], { cwd, timeout: 20_000 });
  return JSON.parse(out.trim().split("\n").at(-1));
}

let temp;
let tarball;
let packed;
let esm; // a `"type": "module"` project
let cjs; // a CommonJS project (no `type`)

before(async () => {
  if (!existsSync(join(npm, "dist", "cjs", "require.js")) || !existsSync(join(npm, "pkg-node", "backstage_wasm.js"))) {
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
});

after(() => {
  if (temp) rmSync(temp, { recursive: true, force: true });
});

test("the tarball holds the entries, both glues and one module, and nothing else", (t) => {
  const files = packed.files.map((f) => f.path).sort();
  for (const f of [
    "package.json",
    "dist/index.d.ts",
    "dist/node.js",
    "dist/web.js",
    "dist/slim.js",
    "dist/slim.d.ts",
    "dist/cjs/package.json",
    "dist/cjs/require.js",
    "dist/cjs/require.d.ts",
    "pkg/backstage_wasm.js",
    "pkg/backstage_wasm_bg.wasm",
    "pkg-node/backstage_wasm.js",
    "pkg-node/package.json",
  ]) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  assert.deepEqual(files.filter((f) => f.endsWith(".wasm")), ["pkg/backstage_wasm_bg.wasm"], "one .wasm");
  assert.deepEqual(files.filter((f) => !/^(dist\/|pkg\/|pkg-node\/|package\.json$|README\.md$)/.test(f)), [], "no stray files");
  assert.deepEqual(files.filter((f) => /^pkg.*\.d\.ts$/.test(f)), [], "no generated (DOM-typed) declarations");

  // The TypeScript layer as shipped (tsc output with its doc comments, not minified; no
  // minifier here), gzipped as one concatenation: the ESM files, then the CommonJS build.
  const gz = (dir) => {
    const js = readdirSync(dir).filter((f) => f.endsWith(".js")).sort();
    const all = Buffer.concat(js.map((f) => readFileSync(join(dir, f))));
    return `${js.length} files, ${(all.length / 1024).toFixed(1)} KiB, ${(gzipSync(all, { level: 9 }).length / 1024).toFixed(1)} KiB gzipped`;
  };
  t.diagnostic(`tarball ${packed.filename}: ${(statSync(tarball).size / 1024).toFixed(1)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${files.length} files`);
  t.diagnostic(`TS layer dist/*.js: ${gz(join(npm, "dist"))}; dist/cjs/*.js: ${gz(join(npm, "dist", "cjs"))}`);
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

test("slim: initialize(bytes) from 'backstage-actors/slim'", { timeout: 30_000 }, async () => {
  const out = await node(
    esm,
    "slim.mjs",
    `import { readFileSync } from "node:fs";
import * as api from "backstage-actors/slim";
const resolved = import.meta.resolve("backstage-actors/slim");
let before;
try {
  api.ActorSystem.create();
} catch (e) {
  before = e.code;
}
await api.initialize(readFileSync(new URL("./node_modules/backstage-actors/pkg/backstage_wasm_bg.wasm", import.meta.url)));
${body("api").replace("resolved }", "resolved, before }")}`,
  );
  assert.match(out.resolved, /\/node_modules\/backstage-actors\/dist\/slim\.js$/);
  assert.equal(out.before, "RUNTIME_ABORTED", "create() before initialize() throws");
  assert.deepEqual({ ...out, resolved: undefined, before: undefined }, { ...expected, resolved: undefined, before: undefined });
});

test("TypeScript: the installed declarations compile strict, NodeNext, no DOM or Node types", { timeout: 30_000 }, async () => {
  const dir = join(esm, "typed");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2022", "ESNext.Disposable"],
        types: [],
        strict: true,
        exactOptionalPropertyTypes: true,
        skipLibCheck: false,
        noEmit: true,
      },
      include: ["*.ts", "*.mts", "*.cts"],
    }),
  );
  const program = (from) => `import { ActorSystem, BackstageError, type ActorRef, type SystemMetrics } from "${from}";

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
  const e: unknown = wrong;
  return e instanceof BackstageError ? metrics.sent : reply;
}
`;
  // ESM (the project is "type": "module"), the CommonJS entry's declarations (.cts), and slim.
  writeFileSync(join(dir, "esm.ts"), program("backstage-actors"));
  writeFileSync(join(dir, "cjs.cts"), program("backstage-actors"));
  writeFileSync(
    join(dir, "slim.ts"),
    `import { initialize, type ModuleSource } from "backstage-actors/slim";
const bytes: ModuleSource = new Uint8Array(0);
export const ready: Promise<void> = initialize(bytes);
`,
  );
  // Compiles, and shows which declarations each import resolved to (only the errors on failure).
  const trace = await run(tsc, ["-p", "tsconfig.json", "--traceResolution"], { cwd: dir }).catch((e) => {
    throw new Error(e.message.split("\n").filter((l) => /error TS|failed:/.test(l)).join("\n"));
  });
  const resolved = (spec) =>
    [...trace.matchAll(new RegExp(`Module name '${spec}' was successfully resolved to '[^']*/node_modules/backstage-actors/([^']+)'`, "g"))]
      .map((m) => m[1])
      .sort();
  assert.deepEqual(resolved("backstage-actors"), ["dist/cjs/require.d.ts", "dist/index.d.ts"], "ESM and CommonJS declarations");
  assert.deepEqual(resolved("backstage-actors/slim"), ["dist/slim.d.ts"]);
});

const PAGE = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>backstage-actors from the tarball</title>
</head>
<body>
<script type="module">
import { ActorSystem } from "/node_modules/backstage-actors/dist/web.js";
try {
  const system = ActorSystem.create();
  const doubler = system.spawn(() => ({ receive: (m) => m.n * 2 }));
  window.__result = { reply: await doubler.ask({ n: 21 }, { timeout: 5000 }) };
  system.shutdown();
} catch (e) {
  window.__result = { fatal: String(e && e.stack ? e.stack : e) };
}
</script>
</body>
</html>
`;

test("Chromium: a bare module page imports the installed dist/web.js", { timeout: 60_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed`);
    return;
  }
  await withChromiumPage(t, { root: esm, html: PAGE, nodeModules: true }, async ({ page, problems }) => {
    await page.waitForFunction(() => window.__result !== undefined, undefined, { timeout: 30_000 });
    assert.deepEqual(await page.evaluate(() => window.__result), { reply: 42 });
    assert.deepEqual(problems, [], "no console errors, page errors or failed requests");
  });
});
