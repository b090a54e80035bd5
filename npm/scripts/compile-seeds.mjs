// Compiles the host-neutral seed acceptance bodies (test/seeds/*.ts, strict, test/tsconfig.json)
// for one runner into test-dist/<runner>/, and returns the compiled module's URL. Each runner
// gets its own directory: `node --test` runs the test files in parallel processes. Lives outside
// test/ because Node 20's `node --test test/` runs every .mjs file there as a test file.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const npm = join(dirname(fileURLToPath(import.meta.url)), "..");

/** @param {string} runner a directory name under test-dist/ */
export function compileSeeds(runner) {
  if (!existsSync(join(npm, "dist", "index.d.ts"))) {
    throw new Error("npm/dist is missing: build the package first (node scripts/build.mjs)");
  }
  const out = join(npm, "test-dist", runner);
  rmSync(out, { recursive: true, force: true });
  const tsc = join(npm, "node_modules", ".bin", "tsc");
  try {
    execFileSync(tsc, ["-p", join(npm, "test", "tsconfig.json"), "--outDir", out], { cwd: npm, encoding: "utf8", stdio: "pipe" });
  } catch (e) {
    throw new Error(`tsc failed on test/seeds:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
  return { dir: out, module: pathToFileURL(join(out, "seeds.js")).href };
}
