// Many actors: `?actors=10000` (the default) spawns that many, as groups of 100 (a group
// actor and its 99 workers), and a load generator tells a random slice of the workers
// something every 100 ms — to see that the inspector keeps up.
import { ActorSystem, type ActorContext, type ActorRef } from "backstage-actors";
import { inspect, previewMessage } from "backstage-actors/inspector";

import { $, attachInspector } from "./shared/page.js";

type Work = { readonly type: "work"; readonly n: number };

const total = Math.max(100, Number(new URLSearchParams(location.search).get("actors") ?? 10_000) || 10_000);
const system = ActorSystem.create();
const inspection = inspect(system, { redact: previewMessage });
const workers: ActorRef<Work>[] = [];
let handled = 0;

function Worker() {
  let sum = 0;
  return {
    receive(msg: Work): void {
      sum += msg.n;
      handled++;
    },
  };
}

function Group() {
  return {
    started(ctx: ActorContext<never, void>): void {
      for (let i = 0; i < 99; i++) workers.push(ctx.spawn<Work>(Worker));
    },
    receive(): void {},
  };
}

for (let g = 0; g < total / 100; g++) system.spawn(Group, { name: `group-${g}` });

let load = true;
const perTick = 2000;
window.setInterval(() => {
  if (!load || workers.length === 0) return;
  const start = Math.floor(Math.random() * workers.length);
  for (let i = 0; i < perTick; i++) {
    const worker = workers[(start + i * 7) % workers.length] as ActorRef<Work>;
    if (worker.isAlive) worker.tell({ type: "work", n: i });
  }
}, 100);
$("#load").addEventListener("click", (e) => {
  load = !load;
  (e.target as HTMLElement).textContent = load ? "pause load" : "resume load";
});
window.setInterval(() => {
  $("#handled").textContent = handled.toLocaleString("en");
}, 250);
$("#total").textContent = total.toLocaleString("en");

attachInspector(inspection);
