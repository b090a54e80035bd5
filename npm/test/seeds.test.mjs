// The seed acceptance tests (test/seeds/seeds.ts, compiled here) against the Node entry.
import { test } from "node:test";

import * as api from "../dist/node.js";
import { compileSeeds } from "../scripts/compile-seeds.mjs";

const { seeds, proxySeeds } = await import(compileSeeds("node").module);

test("every seed is here", () => {
  const names = seeds.map((s) => s.name).join(",");
  const expected = "hello_world_string,hello_world_struct,actor_to_actor,pub_sub,multiple_methods,large_struct,array_list_actor,poison_pill";
  if (names !== expected) throw new Error(`seeds: ${names}`);
});

for (const seed of seeds) {
  test(`seed ${seed.name}`, { timeout: 20_000 }, () => seed.run(api));
}

for (const seed of proxySeeds) {
  test(`seed ${seed.name}`, { timeout: 20_000 }, () => seed.run(api));
}
