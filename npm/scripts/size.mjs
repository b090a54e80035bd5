// The size of the API as a bundler ships it: an entry bundled and minified by esbuild for the
// browser (the TypeScript layer and the wasm-bindgen glue), with the .wasm left out — the inlined
// base64 module is marked external. Shared by scripts/build.mjs (which prints it) and
// test/packaging.test.mjs (which holds it to the 15 KB budget). Lives outside test/ because
// `node --test test/` runs every .mjs file there.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const ESBUILD = join(dirname(fileURLToPath(import.meta.url)), "..", "node_modules", ".bin", "esbuild");

/** The budget for the minified and gzipped API (XState v5's class), in bytes. */
export const API_BUDGET = 15 * 1000;

/**
 * Bundles `entry` (a file, resolved from `cwd`) with esbuild, minified, for the browser, and
 * returns the code with its minified and gzipped (level 9) sizes in bytes.
 */
export function apiSize(entry, { cwd, timeout = 30_000 }) {
  const code = execFileSync(
    ESBUILD,
    [entry, "--bundle", "--minify", "--format=esm", "--platform=browser", "--external:*backstage_wasm_base64.js", "--log-level=warning"],
    { cwd, timeout, maxBuffer: 64 << 20 },
  );
  return { code: code.toString("utf8"), minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

export const formatSize = (bytes, gzipped) => `${(bytes / 1000).toFixed(1)} kB, ${(gzipped / 1000).toFixed(1)} kB gzipped`;
