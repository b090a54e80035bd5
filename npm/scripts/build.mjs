// Builds the package: the wasm crate (release), its bindings (wasm-bindgen --target web),
// wasm-opt from npm's binaryen (never Debian's: its 108 breaks modules), then the TypeScript.
import { execFileSync } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";

const npm = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(npm, "..");
const run = (cmd, args, cwd = npm) => execFileSync(cmd, args, { cwd, stdio: "inherit" });

run("cargo", ["build", "-p", "backstage-wasm", "--release", "--target", "wasm32-unknown-unknown"], root);
const raw = join(root, "target", "wasm32-unknown-unknown", "release", "backstage_wasm.wasm");
mkdirSync(join(npm, "pkg"), { recursive: true });
run("wasm-bindgen", ["--target", "web", "--weak-refs", "--out-dir", join(npm, "pkg"), raw]);
const wasm = join(npm, "pkg", "backstage_wasm_bg.wasm");
// wasm-opt reads the module's features from its target_features section (forcing
// --all-features instead emits encodings Node 20's V8 cannot load).
run(join(npm, "node_modules", ".bin", "wasm-opt"), ["-O", wasm, "-o", wasm]);
run(join(npm, "node_modules", ".bin", "tsc"), ["-p", "."]);

const size = statSync(wasm).size;
const gz = gzipSync(readFileSync(wasm)).length;
console.log(`backstage_wasm_bg.wasm: ${(size / 1024).toFixed(1)} KiB, ${(gz / 1024).toFixed(1)} KiB gzipped`);
