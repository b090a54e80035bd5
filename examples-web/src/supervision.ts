// Supervision: a supervisor spawns a worker that counts jobs. "Crash" makes the worker throw;
// the supervisor restarts it (one-for-one, at most 3 restarts in 10 s), and the restarted
// worker starts from fresh state: a new incarnation, zero jobs. A fourth crash within 10 s is
// one too many: the worker stops and the failure escalates to the supervisor's own supervisor
// (the system), which restarts the supervisor — and its `started` hook spawns a new worker.
import { ActorSystem, type ActorContext, type ActorRef, type StopReason } from "backstage-actors";
import { inspect, previewMessage, type InspectorMessage } from "backstage-actors/inspector";

import { $, attachInspector, log } from "./shared/page.js";

type WorkerMsg = { readonly type: "work" } | { readonly type: "crash" } | InspectorMessage;

const system = ActorSystem.create();
const inspection = inspect(system, { redact: previewMessage });
const events = $("#log");
let incarnations = 0;
/** The current worker's id, and how often it was restarted. */
let worker = { id: "", restarts: 0 };

/** What the worker shows of itself. */
function show(state: { incarnation: number; jobs: number; since: Date } | undefined): void {
  $("#incarnation").textContent = state ? `#${state.incarnation}` : "—";
  $("#jobs").textContent = state ? String(state.jobs) : "—";
  $("#since").textContent = state ? state.since.toLocaleTimeString("en") : "—";
}

/** A worker: its state is built by this factory, so a restart starts from scratch. */
function Worker() {
  const state = { incarnation: ++incarnations, jobs: 0, since: new Date() };
  return {
    started(): void {
      show(state);
      $("#worker-status").textContent = "running";
    },
    receive(msg: WorkerMsg): void {
      switch (msg.type) {
        case "work":
          state.jobs++;
          show(state);
          break;
        case "crash":
          throw new Error(`worker #${state.incarnation} crashed after ${state.jobs} jobs`);
        case "InspectorMessage":
          log(events, `worker #${state.incarnation} got a note from the inspector: ${msg.text}`);
          break;
      }
    },
  };
}

/** The supervisor: owns the worker (spawned when it starts) and forwards it the page's messages. */
function Supervisor() {
  let child: ActorRef<WorkerMsg> | undefined;
  return {
    started(ctx: ActorContext<WorkerMsg, void>): void {
      child = ctx.spawn(Worker, { name: "worker" });
      ctx.watch(child);
      worker = { id: child.id, restarts: 0 };
      $("#restarts").textContent = "0";
    },
    receive(msg: WorkerMsg): void {
      if (child?.isAlive) child.tell(msg);
    },
    terminated(other: ActorRef<unknown, unknown>, reason: StopReason): void {
      log(events, `worker ${other.id} stopped (${reason}): too many restarts, the failure escalates`);
      $("#worker-status").textContent = `stopped (${reason})`;
      show(undefined);
    },
  };
}

const supervisor = system.spawn<WorkerMsg>(Supervisor, {
  name: "supervisor",
  supervisor: { strategy: "oneForOne", onFailure: "restart", maxRestarts: 3, withinMs: 10_000 },
});

// Failures and restarts, as the system reports them.
system.on((event) => {
  if (event.type === "failed") log(events, `failed ${event.id}: ${event.error}`);
  if (event.type === "restarted" && event.id === worker.id) {
    $("#restarts").textContent = String(++worker.restarts);
    log(events, `restarted ${event.id} (fresh state)`);
  } else if (event.type === "restarted") {
    log(events, `restarted ${event.id} (the supervisor), which spawns a new worker`);
  }
});

$("#work").addEventListener("click", () => supervisor.tell({ type: "work" }));
$("#crash").addEventListener("click", () => supervisor.tell({ type: "crash" }));

attachInspector(inspection);
