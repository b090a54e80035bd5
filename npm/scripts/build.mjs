// Builds the package into pkg/ (the WebAssembly module and its glue) and dist/ (the TypeScript):
//  1. the wasm crate (release) and its bindings: wasm-bindgen --target web, once;
//  2. wasm-opt from npm's binaryen (never Debian's: its 108 breaks modules);
//  3. the glue made host-neutral: its fallback `new URL("…_bg.wasm", import.meta.url)` is
//     removed (every entry passes the module), so no bundler sees an asset reference or an
//     `import.meta` in it; and made a factory, `createGlue()`, whose every call has its own
//     module state (its own instance, memory views and finalizers), so that after an abort a
//     fresh instance can be made without the old objects' finalizers reaching it;
//     wasm-bindgen's declarations (which need the DOM library) are replaced by the few the
//     entries use;
//  4. a CommonJS copy of that factory (pkg/backstage_wasm.cjs) for require();
//  5. the optimised module inlined as base64 (pkg/backstage_wasm_base64.js) for the zero-config
//     entry (dist/inline.js) that bundlers and plain pages get;
//  6. the TypeScript: ESM into dist/, CommonJS into dist/cjs/;
//  7. the sizes: the .wasm, and the API as a bundler ships it (TS layer + glue, minified and
//     gzipped, without the .wasm or its base64), which test/packaging.test.mjs holds to 15 KB.
// Nothing is downloaded: every tool is the Rust toolchain, wasm-bindgen on PATH or node_modules.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { apiSize, formatSize } from "./size.mjs";

const npm = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(npm, "..");
const bin = (name) => join(npm, "node_modules", ".bin", name);
const run = (cmd, args, cwd = npm) => execFileSync(cmd, args, { cwd, stdio: "inherit" });
const pkg = join(npm, "pkg");
const out = (file, text) => writeFileSync(join(pkg, file), text);

run("cargo", ["build", "-p", "backstage-wasm", "--release", "--target", "wasm32-unknown-unknown"], root);
const raw = join(root, "target", "wasm32-unknown-unknown", "release", "backstage_wasm.wasm");
rmSync(pkg, { recursive: true, force: true });
rmSync(join(npm, "pkg-node"), { recursive: true, force: true }); // the output of earlier builds
mkdirSync(pkg, { recursive: true });
run("wasm-bindgen", ["--target", "web", "--weak-refs", "--out-dir", pkg, raw]);
const wasmFile = join(pkg, "backstage_wasm_bg.wasm");
// wasm-opt reads the module's features from its target_features section (forcing
// --all-features instead emits encodings Node 20's V8 cannot load).
run(bin("wasm-opt"), ["-O", wasmFile, "-o", wasmFile]);
const wasm = readFileSync(wasmFile);

// 3. The glue, host-neutral, as a factory.
const glueFile = join(pkg, "backstage_wasm.js");
const fallback = "module_or_path = new URL('backstage_wasm_bg.wasm', import.meta.url);";
let glue = readFileSync(glueFile, "utf8");
/** Replaces `from` (which must occur exactly once) with `to`. */
const patch = (from, to) => {
  if (glue.split(from).length !== 2) throw new Error(`${glueFile}: expected one \`${from}\` (wasm-bindgen changed its web output?)`);
  glue = glue.replace(from, to);
};
// Snippets (`inline_js`) are ES modules the glue imports (as namespaces, and by name where the
// glue converts an argument first): each becomes one object made inside the factory, so every
// instance has its own snippet state.
const snippets = new Map();
const snippet = (path) => {
  if (!snippets.has(path)) {
    const source = readFileSync(join(pkg, path), "utf8");
    const names = [...source.matchAll(/^export function (\w+)/gm)].map((m) => m[1]);
    if (/^\s*(import|export)\b(?! function)/m.test(source)) throw new Error(`${path}: only \`export function\` is supported in snippets`);
    const body = source.replace(/^export function/gm, "function");
    snippets.set(path, { variable: `snippet${snippets.size}`, body, names });
  }
  return snippets.get(path).variable;
};
glue = glue.replace(/^import \* as (\w+) from ["'](\.\/snippets\/[^"']+)["'];?\n/gm, (_, name, path) => `const ${name} = ${snippet(path)};\n`);
glue = glue.replace(/^import \{([^}]*)\} from ["'](\.\/snippets\/[^"']+)["'];?\n/gm, (_, names, path) => `const {${names.replace(/\bas\b/g, ":")}} = ${snippet(path)};\n`);
// wasm-bindgen names the snippet module in the imports object once per import: keep the first.
const seenKeys = new Set();
glue = glue.replace(/^\s*"(\.\/snippets\/[^"]+)": \w+,\n/gm, (line, path) => (seenKeys.has(path) ? "" : (seenKeys.add(path), line)));
glue = [...snippets.values()].map(({ variable, body, names }) => `const ${variable} = (() => {\n${body}\nreturn { ${names.join(", ")} };\n})();\n`).join("") + glue;
rmSync(join(pkg, "snippets"), { recursive: true, force: true });
patch(fallback, 'throw new Error("backstage-actors: initialize() needs the module (bytes, a URL, a Response or a WebAssembly.Module)");');
// Every exported class (Runtime, and the classes its methods return) becomes a local one the
// factory returns.
const classes = [...glue.matchAll(/^export class (\w+) \{/gm)].map((m) => m[1]);
if (!classes.includes("Runtime")) throw new Error(`${glueFile}: no \`export class Runtime\` (wasm-bindgen changed its web output?)`);
glue = glue.replace(/^export class (\w+) \{/gm, "class $1 {");
patch("export { initSync, __wbg_init as default };", `return { ${classes.join(", ")}, initSync, init: __wbg_init, compiled: () => wasmModule };`);
if (!glue.includes("wasmModule = module;")) throw new Error(`${glueFile}: no \`wasmModule = module;\` (wasm-bindgen changed its web output?)`);
if (/^\s*(import|export)\b/m.test(glue)) throw new Error(`${glueFile}: an import or export is left after making it a factory`);
if (glue.includes("import.meta")) throw new Error(`${glueFile}: still uses import.meta`);
const factory = `function createGlue() {\n${glue}\n}`;
writeFileSync(glueFile, `// wasm-bindgen's --target web glue as a factory (scripts/build.mjs).\nexport ${factory}\n`);
for (const generated of ["backstage_wasm.d.ts", "backstage_wasm_bg.wasm.d.ts"]) rmSync(join(pkg, generated));
const declarations = `// Written by scripts/build.mjs in place of wasm-bindgen's declarations (which need the DOM
// library): what the entries use. Not shipped: the public types are dist/*.d.ts.
import type { Glue } from "../src/system.js";
export declare function createGlue(): Glue;
`;
out("backstage_wasm.d.ts", declarations);

// 4. The CommonJS factory (require("backstage-actors") and require("backstage-actors/slim")).
out("backstage_wasm.cjs", `// wasm-bindgen's --target web glue as a factory (scripts/build.mjs), CommonJS.\n"use strict";\n${factory}\nmodule.exports = { createGlue };\n`);

// 5. The module inlined, for dist/inline.js.
out(
  "backstage_wasm_base64.js",
  `// backstage_wasm_bg.wasm (wasm-opt -O), base64: the zero-config entry's module.\nexport const base64 = "${wasm.toString("base64")}";\n`,
);
out("backstage_wasm_base64.d.ts", "export declare const base64: string;\n");

// 6. The TypeScript.
rmSync(join(npm, "dist"), { recursive: true, force: true });
run(bin("tsc"), ["-p", "."]);
run(bin("tsc"), ["-p", "tsconfig.cjs.json"]);
writeFileSync(join(npm, "dist", "cjs", "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);

// 7. Sizes.
const base64 = readFileSync(join(pkg, "backstage_wasm_base64.js"));
console.log(`backstage_wasm_bg.wasm: ${formatSize(wasm.length, gzipSync(wasm, { level: 9 }).length)}`);
console.log(`  as base64 (dist/inline.js's module): ${formatSize(base64.length, gzipSync(base64, { level: 9 }).length)}`);
for (const entry of ["inline", "slim", "web"]) {
  const size = apiSize(join(npm, "dist", `${entry}.js`), { cwd: npm });
  console.log(`API via dist/${entry}.js, TS layer + glue, minified (esbuild), without the .wasm: ${formatSize(size.minified, size.gzipped)}`);
}
