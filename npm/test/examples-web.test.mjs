// The web examples (examples-web/) end to end in headless Chromium: each page is opened from
// examples-web/serve.mjs on 127.0.0.1, driven like a person would (start, send, crash, stop,
// scroll, filter), and what the page and its embedded inspector show is checked: actor counts,
// rising rates, a restart, a dead letter, topics. The inspector page is also checked over a
// WebSocket (a Node runtime served by examples-web/testing.mjs, and the native example once it
// exists). Screenshots of the inspector go to examples-web/artifacts/ (gitignored).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

import { buildExamples } from "../../examples-web/build.mjs";
import { startServer } from "../../examples-web/serve.mjs";
import { CHROMIUM, launchChromium, serveInspection, watchProblems, within } from "../../examples-web/testing.mjs";
import { inspect } from "../dist/inspector.js";
import { ActorSystem } from "../dist/node.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const artifacts = join(root, "examples-web", "artifacts");
const nativeExample = join(root, "native-driver", "examples", "inspected.rs");

/** The pages' limits: how stale the inspector may be, and how long a click may take to show. */
const MAX_AGE_MS = 1000;
const CLICK_MS = 1000;

let browser;
let server;
let base;

/** Opens `path` in a new page; closes it when the test ends. Waits for the inspector to be live. */
async function open(t, path, { live = true } = {}) {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(20_000);
  const problems = watchProblems(page);
  t.after(() => within(page.close(), 10_000, "closing the page").catch((e) => t.diagnostic(String(e))));
  await page.goto(`${base}${path}`, { waitUntil: "load" });
  if (live) await page.waitForSelector('[data-testid="status"][data-status="open"]');
  return { page, problems };
}

/** The text of the element with `data-testid=id` (the first, or the one inside `scope`). */
const text = (page, id, scope = "") => page.locator(`${scope} [data-testid="${id}"]`.trim()).first().innerText();

/** Waits until the inspector's model satisfies `predicate` (a function of the model, run in the page). */
function waitForModel(page, predicate, arg, timeout = 20_000) {
  return page.waitForFunction(
    ([source, a]) => {
      const model = window.inspector?.model;
      return model?.snapshot !== undefined && new Function("model", "arg", `return (${source})(model, arg)`)(model, a);
    },
    [predicate.toString(), arg],
    { timeout },
  );
}

/** The latest snapshot's entry for the actor called `name`. */
const actorNamed = (page, name) =>
  page.evaluate((n) => [...window.inspector.model.actors.values()].map((r) => r.info).find((a) => a.name === n), name);

/** Screenshot of the inspector into examples-web/artifacts/. */
async function capture(page, name, t) {
  mkdirSync(artifacts, { recursive: true });
  const file = join(artifacts, `${name}.png`);
  await page.locator('[data-testid="inspector"]').first().screenshot({ path: file });
  t.diagnostic(`screenshot: ${file}`);
}

/** Clicks the inspector row of `id` and waits until the details panel shows it. */
async function select(page, id) {
  await page.click(`.bi-row[data-id="${id}"]`);
  await page.waitForFunction((i) => document.querySelector('[data-testid="details"] dd[data-field="id"]')?.textContent === i, id);
}

describe("web examples in headless Chromium", { skip: !existsSync(CHROMIUM) && `${CHROMIUM} is not installed` }, () => {
  before(
    async () => {
      buildExamples({ timeout: 120_000 });
      server = await startServer();
      base = `http://127.0.0.1:${server.address().port}`;
      browser = await launchChromium(chromium);
    },
    { timeout: 180_000 },
  );

  after(async () => {
    await browser?.close();
    if (server) {
      server.closeAllConnections();
      await within(new Promise((resolve) => server.close(() => resolve())), 5_000, "closing the server");
    }
  });

  test("ping-pong: a rally shows rising rates; stopping pong from the inspector makes a dead letter", { timeout: 90_000 }, async (t) => {
    const { page, problems } = await open(t, "/ping-pong.html");
    await waitForModel(page, (m) => m.actors.size === 2);
    assert.equal(await text(page, "actor-count"), "2");
    assert.equal(await page.locator(".bi-row:not([hidden])").count(), 2);

    await page.click("#start");
    await page.waitForFunction(() => Number(document.querySelector("#count").textContent.replace(/,/g, "")) > 1000);
    const ping = await actorNamed(page, "ping");
    const pong = await actorNamed(page, "pong");
    await waitForModel(page, (m, id) => m.actors.get(id).info.rate > 0, ping.id);
    const first = (await actorNamed(page, "ping")).rate;
    await waitForModel(page, (m, [id, r]) => m.actors.get(id).info.rate > r * 1.2, [ping.id, first], 10_000);
    const later = await actorNamed(page, "ping");
    t.diagnostic(`ping: ${first.toFixed(0)} → ${later.rate.toFixed(0)} msgs/s, ${later.processed} processed`);
    assert.ok(later.processed > 1000);
    assert.notEqual(await page.locator(`.bi-row[data-id="${ping.id}"] [data-field="rate"]`).innerText(), "0");
    const age = await page.evaluate(() => window.inspector.model.age());
    assert.ok(age < MAX_AGE_MS, `the inspector is ${age.toFixed(0)} ms behind`);
    await capture(page, "ping-pong-rally", t);

    // Stop pong mid-rally: ping's next hit is a dead letter.
    await select(page, pong.id);
    await page.click('[data-testid="stop"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="command-result"]')?.textContent.startsWith("ok"));
    await page.waitForSelector('[data-testid="dead-letters"] li[data-reason="ACTOR_STOPPED"]');
    await waitForModel(page, (m) => m.actors.size === 1 && m.snapshot.system.liveActors === 1);
    assert.equal(await text(page, "actor-count"), "1");
    assert.match(await text(page, "dead-letter-count"), /^[1-9]/);
    assert.match(await page.locator('[data-testid="dead-letters"] li').first().innerText(), new RegExp(`ACTOR_STOPPED → ${pong.id.replaceAll(".", "\\.")} from ${ping.id.replaceAll(".", "\\.")}`));
    await page.waitForFunction(() => document.querySelector("#log").textContent.includes("stopped (requested): the ball is lost"));
    await page.waitForSelector('[data-testid="events"] li[data-kind="stopped"]');

    // A test message from the inspector.
    await select(page, ping.id);
    await page.fill('[data-testid="send-text"]', "hello from the inspector");
    await page.click('[data-testid="send"]');
    await page.waitForFunction(() => document.querySelector("#log").textContent.includes("ping got a note from the inspector: hello from the inspector"));
    await capture(page, "ping-pong-dead-letter", t);
    assert.deepEqual(problems, []);
  });

  test("supervision: a crash restarts the worker with fresh state, shown in the page and the inspector", { timeout: 60_000 }, async (t) => {
    const { page, problems } = await open(t, "/supervision.html");
    await waitForModel(page, (m) => m.actors.size === 2);
    const worker = await actorNamed(page, "worker");
    const supervisor = await actorNamed(page, "supervisor");
    assert.equal(worker.parent, supervisor.id, "the worker is the supervisor's child");
    assert.equal(await page.locator(`.bi-row[data-id="${worker.id}"] .bi-twisty`).innerText(), "", "a leaf");
    assert.equal(await page.locator(`.bi-row[data-id="${supervisor.id}"] .bi-twisty`).innerText(), "▾", "a parent, expanded");

    await page.click("#work");
    await page.click("#work");
    await page.waitForFunction(() => document.querySelector('[data-testid="jobs"]').textContent === "2");
    assert.equal(await text(page, "incarnation"), "#1");
    await page.click("#crash");
    await page.waitForFunction(() => document.querySelector('[data-testid="restarts"]').textContent === "1");
    assert.equal(await text(page, "jobs"), "0", "fresh state after the restart");
    assert.equal(await text(page, "incarnation"), "#2");

    await waitForModel(page, (m, id) => m.actors.get(id)?.info.restarts === 1, worker.id);
    assert.equal(await page.locator(`.bi-row[data-id="${worker.id}"] [data-field="restarts"]`).innerText(), "↻ 1");
    assert.equal(await text(page, "restart-count"), "1");
    await page.waitForSelector('[data-testid="events"] li[data-kind="restarted"]');
    await page.waitForSelector('[data-testid="events"] li[data-kind="failed"]');
    await select(page, worker.id);
    assert.equal(await page.locator('[data-testid="details"] dd[data-field="restarts"]').innerText(), "1");
    assert.equal(await page.locator('[data-testid="details"] dd[data-field="errors"]').innerText(), "1");
    await capture(page, "supervision-restart", t);

    // Three more crashes within 10 s: the third is one too many. The worker stops, the failure
    // escalates, the system restarts the supervisor, and it starts a new worker.
    for (let i = 0; i < 3; i++) await page.click("#crash");
    await page.waitForFunction(() => document.querySelector("#log").textContent.includes("too many restarts"));
    await waitForModel(page, (m, old) => m.actors.size === 2 && !m.actors.has(old) && [...m.actors.values()].some((r) => r.info.name === "worker"), worker.id);
    await waitForModel(page, (m, id) => m.actors.get(id)?.info.restarts === 1, supervisor.id);
    assert.equal(await page.locator(`.bi-row[data-id="${supervisor.id}"] [data-field="restarts"]`).innerText(), "↻ 1");
    assert.equal(await text(page, "incarnation"), "#5", "a new worker, fresh");
    assert.equal(await text(page, "restarts"), "0");
    assert.equal(await text(page, "worker-status"), "running");
    await page.waitForSelector('[data-testid="events"] li[data-kind="stopped"]');
    assert.deepEqual(problems, []);
  });

  test("chat: members subscribed to a topic hear each other; the inspector shows the topic and sends", { timeout: 60_000 }, async (t) => {
    const { page, problems } = await open(t, "/chat.html");
    await waitForModel(page, (m) => m.snapshot.topics.some((topic) => topic.name === "room" && topic.subscribers === 4));
    assert.equal(await page.locator('[data-testid="topics"] li[data-topic="room"] b').innerText(), "4");

    await page.selectOption("#from", "bob");
    await page.fill("#text", "hello everyone");
    await page.press("#text", "Enter");
    for (const member of ["alice", "bob", "carol", "ada"]) {
      await page.waitForFunction((m) => document.querySelector(`[data-member="${m}"] ol`).textContent.includes("bob: hello everyone"), member);
    }
    await page.fill("#text", "is anyone there?");
    await page.press("#text", "Enter");
    await page.waitForFunction(() => document.querySelector('[data-member="alice"] ol').textContent.includes("ada: good question, bob"));

    const alice = await actorNamed(page, "member:alice");
    await select(page, alice.id);
    await page.fill('[data-testid="send-text"]', "psst");
    await page.click('[data-testid="send"]');
    await page.waitForFunction(() => document.querySelector('[data-member="carol"] ol').textContent.includes("alice: (the inspector made me say) psst"));

    await page.click("#join");
    await waitForModel(page, (m) => m.snapshot.topics.find((topic) => topic.name === "room")?.subscribers === 5);
    await page.click('[data-member="bob"] button');
    await waitForModel(page, (m) => m.snapshot.topics.find((topic) => topic.name === "room")?.subscribers === 4 && m.actors.size === 4);
    await waitForModel(page, (m, id) => (m.actors.get(id)?.info.processed ?? 0) >= 4, alice.id);
    await capture(page, "chat", t);
    assert.deepEqual(problems, []);
  });

  test("10,000 actors: the inspector draws only the rows in view and stays responsive and current", { timeout: 120_000 }, async (t) => {
    const { page, problems } = await open(t, "/stress.html");
    await waitForModel(page, (m) => m.actors.size === 10_000 && m.snapshot.system.liveActors === 10_000, undefined, 60_000);
    assert.equal(await text(page, "row-count"), "10000 rows");
    const rows = await page.locator(".bi-row").count();
    assert.ok(rows <= 100, `${rows} row elements for 10,000 actors`);
    await waitForModel(page, (m) => m.snapshot.system.rate > 1000, undefined, 20_000);

    // Frames and freshness over 3 s of load: no long stall, never a second behind.
    const { frames, worstGap, worstAge } = await page.evaluate(
      () =>
        new Promise((resolve) => {
          let last = performance.now();
          const start = last;
          let frames = 0;
          let worstGap = 0;
          let worstAge = 0;
          const step = (now) => {
            frames++;
            worstGap = Math.max(worstGap, now - last);
            worstAge = Math.max(worstAge, window.inspector.model.age());
            last = now;
            if (now - start < 3000) requestAnimationFrame(step);
            else resolve({ frames, worstGap, worstAge });
          };
          requestAnimationFrame(step);
        }),
    );
    t.diagnostic(`3 s under load: ${frames} frames, longest frame gap ${worstGap.toFixed(0)} ms, data at most ${worstAge.toFixed(0)} ms old`);
    assert.ok(worstGap < 500, `a frame gap of ${worstGap.toFixed(0)} ms`);
    assert.ok(worstAge < MAX_AGE_MS, `the inspector fell ${worstAge.toFixed(0)} ms behind`);

    // Scroll to the middle; the rows in view are drawn.
    await page.evaluate(() => {
      document.querySelector('[data-testid="actor-list"]').scrollTop = 5000 * 26;
    });
    await page.waitForFunction(() => [...document.querySelectorAll(".bi-row:not([hidden])")].some((r) => r.style.transform === "translateY(130000px)"));
    const middle = await page.evaluate(() => {
      const list = document.querySelector('[data-testid="actor-list"]').getBoundingClientRect();
      const visible = [...document.querySelectorAll(".bi-row:not([hidden])")].filter((r) => {
        const box = r.getBoundingClientRect();
        return box.top >= list.top + 30 && box.bottom <= list.bottom;
      });
      return visible[0].dataset.id;
    });

    // A click is handled, and shown, at once.
    const clicked = performance.now();
    await select(page, middle);
    const clickMs = performance.now() - clicked;
    const handlerMs = await page.evaluate((id) => {
      const row = document.querySelector(`.bi-row[data-id="${id}"] .bi-label`);
      const t0 = performance.now();
      row.click();
      return performance.now() - t0;
    }, middle);
    t.diagnostic(`click on a row → details shown: ${clickMs.toFixed(0)} ms end to end, handler ${handlerMs.toFixed(1)} ms`);
    assert.ok(clickMs < CLICK_MS, `the click took ${clickMs.toFixed(0)} ms to show`);
    assert.ok(handlerMs < 100, `the click handler took ${handlerMs.toFixed(1)} ms`);

    await page.fill('[data-testid="filter"]', "group-42");
    await page.waitForFunction(() => document.querySelector('[data-testid="row-count"]').textContent === "1 of 10000 rows");
    await page.fill('[data-testid="filter"]', "");
    await page.waitForFunction(() => document.querySelector('[data-testid="row-count"]').textContent === "10000 rows");
    await capture(page, "stress-10000", t);
    assert.deepEqual(problems, []);
  });

  test("open the inspector in a window: it inspects the page that opened it", { timeout: 60_000 }, async (t) => {
    const { page, problems } = await open(t, "/ping-pong.html");
    const [popup] = await Promise.all([browser.context.waitForEvent("page"), page.click("#open-inspector")]);
    t.after(() => within(popup.close(), 10_000, "closing the popup").catch((e) => t.diagnostic(String(e))));
    const popupProblems = watchProblems(popup);
    await popup.waitForSelector('[data-testid="status"][data-status="open"]');
    await waitForModel(popup, (m) => m.actors.size === 2);
    await page.click("#start");
    await waitForModel(popup, (m) => [...m.actors.values()].some((r) => r.info.name === "ping" && r.info.rate > 0));
    const pong = await actorNamed(popup, "pong");
    await select(popup, pong.id);
    await popup.click('[data-testid="stop"]');
    await waitForModel(page, (m) => m.actors.size === 1);
    await capture(popup, "inspector-window", t);
    assert.deepEqual([...problems, ...popupProblems], []);
  });

  test("the inspector page over a WebSocket: a runtime in another process (Node) and its actors", { timeout: 60_000 }, async (t) => {
    const system = ActorSystem.create();
    t.after(() => system.shutdown());
    const inspection = inspect(system);
    t.after(() => inspection.close());
    const busy = system.spawn({ receive() {} }, { name: "busy" });
    system.spawn(
      {
        started(ctx) {
          for (let i = 0; i < 3; i++) ctx.spawn({ receive() {} }, { name: `child-${i}` });
        },
        receive() {},
      },
      { name: "parent" },
    );
    const load = setInterval(() => {
      for (let i = 0; i < 200; i++) if (busy.isAlive) busy.tell(i);
    }, 20);
    t.after(() => clearInterval(load));
    const endpoint = await serveInspection(inspection);
    t.after(() => endpoint.close());

    const { page, problems } = await open(t, `/inspector/?ws=${encodeURIComponent(endpoint.url)}`);
    assert.equal(await text(page, "source"), endpoint.url);
    await waitForModel(page, (m) => m.actors.size === 5 && m.hello?.protocol === 1);
    await waitForModel(page, (m) => [...m.actors.values()].some((r) => r.info.name === "busy" && r.info.rate > 100));
    const child = await actorNamed(page, "child-1");
    const parent = await actorNamed(page, "parent");
    assert.equal(child.parent, parent.id);
    await select(page, busy.id);
    await page.click('[data-testid="stop"]');
    await waitForModel(page, (m) => m.actors.size === 4);
    assert.equal(busy.isAlive, false, "the command reached the runtime");
    await capture(page, "inspector-websocket", t);

    await endpoint.close();
    await page.waitForSelector('[data-testid="status"][data-status="closed"]');
    // The reconnection attempts are failed requests by design; anything else is a problem.
    assert.deepEqual(
      problems.filter((p) => !p.includes(endpoint.url.replace("ws://", ""))),
      [],
    );
  });

  test(
    "the inspector page over a WebSocket: the native example's endpoint",
    { timeout: 300_000, skip: !existsSync(nativeExample) && "native-driver/examples/inspected.rs does not exist yet (the native endpoint is being written)" },
    async (t) => {
      // Contract assumed here: the example serves the protocol on 127.0.0.1 and prints its
      // ws:// URL; BACKSTAGE_INSPECTOR_PORT=0 asks it for any free port.
      const child = spawn("cargo", ["run", "-q", "-p", "backstage-native-driver", "--example", "inspected"], {
        cwd: root,
        env: { ...process.env, BACKSTAGE_INSPECTOR_PORT: "0" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const exited = new Promise((resolve) => child.once("exit", resolve));
      t.after(async () => {
        if (child.exitCode === null) {
          child.kill("SIGINT");
          await within(exited, 10_000, "the native example stopping").catch(() => child.kill("SIGKILL"));
        }
      });
      let output = "";
      const url = await within(
        new Promise((resolve, reject) => {
          const read = (chunk) => {
            output += chunk;
            const found = /ws:\/\/127\.0\.0\.1:\d+/.exec(output);
            if (found) resolve(found[0]);
          };
          child.stdout.on("data", read);
          child.stderr.on("data", read);
          child.once("exit", (code) => reject(new Error(`the example exited (${code}) before printing its endpoint:\n${output}`)));
        }),
        240_000,
        "building and starting the native example",
      );
      const { page, problems } = await open(t, `/inspector/?ws=${encodeURIComponent(url)}`);
      await waitForModel(page, (m) => m.hello?.runtime === "native" && m.actors.size > 0, undefined, 30_000);
      const shown = await page.evaluate(() => window.inspector.model.actors.size);
      t.diagnostic(`native runtime at ${url}: ${shown} actors`);
      // What the example runs (see its doc comment): ping-pong under a parent, a supervised
      // actor that crashes on request, a topic, and a foreman whose late checks are dead letters.
      const pinger = await actorNamed(page, "pinger");
      const ponger = await actorNamed(page, "ponger");
      if (pinger && ponger) {
        assert.equal(ponger.parent, pinger.id, "the tree: ponger under pinger");
        await waitForModel(page, (m, id) => m.actors.get(id)?.info.rate > 0, pinger.id, 10_000);
      }
      const fragile = await actorNamed(page, "fragile");
      if (fragile) {
        await select(page, fragile.id);
        await page.fill('[data-testid="send-text"]', "crash");
        await page.click('[data-testid="send"]');
        await waitForModel(page, (m, id) => m.actors.get(id)?.info.restarts >= 1, fragile.id, 10_000);
        await page.waitForSelector('[data-testid="events"] li[data-kind="restarted"]');
      }
      await page.waitForSelector('[data-testid="dead-letters"] li', { timeout: 10_000 });
      await capture(page, "inspector-native", t);
      assert.deepEqual(problems, []);
    },
  );
});
