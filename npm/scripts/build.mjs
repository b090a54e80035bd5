// Builds the package: the wasm crate (release), its bindings (wasm-bindgen --target web for the
// ESM entries, --target nodejs for the CommonJS one), wasm-opt from npm's binaryen (never
// Debian's: its 108 breaks modules), then the TypeScript (ESM into dist/, CommonJS into dist/cjs/).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const npm = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(npm, "..");
const run = (cmd, args, cwd = npm) => execFileSync(cmd, args, { cwd, stdio: "inherit" });
const commonjs = (dir) => writeFileSync(join(dir, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);

run("cargo", ["build", "-p", "backstage-wasm", "--release", "--target", "wasm32-unknown-unknown"], root);
const raw = join(root, "target", "wasm32-unknown-unknown", "release", "backstage_wasm.wasm");
mkdirSync(join(npm, "pkg"), { recursive: true });
run("wasm-bindgen", ["--target", "web", "--weak-refs", "--out-dir", join(npm, "pkg"), raw]);
const wasm = join(npm, "pkg", "backstage_wasm_bg.wasm");
// wasm-opt reads the module's features from its target_features section (forcing
// --all-features instead emits encodings Node 20's V8 cannot load).
run(join(npm, "node_modules", ".bin", "wasm-opt"), ["-O", wasm, "-o", wasm]);

// The CommonJS glue for require(): it loads the module synchronously from a path next to it.
// Both targets emit the same .wasm, so the glue is pointed at pkg/'s optimised one and its own
// copy is dropped (the package ships one module).
const pkgNode = join(npm, "pkg-node");
rmSync(pkgNode, { recursive: true, force: true });
run("wasm-bindgen", ["--target", "nodejs", "--weak-refs", "--out-dir", pkgNode, raw]);
rmSync(join(pkgNode, "backstage_wasm_bg.wasm"));
const glue = join(pkgNode, "backstage_wasm.js");
const pathLine = "const wasmPath = `${__dirname}/backstage_wasm_bg.wasm`;";
const source = readFileSync(glue, "utf8");
if (source.split(pathLine).length !== 2) throw new Error(`${glue}: expected one line \`${pathLine}\` (wasm-bindgen changed its nodejs output?)`);
writeFileSync(glue, source.replace(pathLine, "const wasmPath = `${__dirname}/../pkg/backstage_wasm_bg.wasm`;"));
commonjs(pkgNode);

rmSync(join(npm, "dist"), { recursive: true, force: true });
run(join(npm, "node_modules", ".bin", "tsc"), ["-p", "."]);
run(join(npm, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.cjs.json"]);
commonjs(join(npm, "dist", "cjs"));

const size = statSync(wasm).size;
const gz = gzipSync(readFileSync(wasm)).length;
console.log(`backstage_wasm_bg.wasm: ${(size / 1024).toFixed(1)} KiB, ${(gz / 1024).toFixed(1)} KiB gzipped`);
