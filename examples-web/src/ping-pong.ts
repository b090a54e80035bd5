// Ping-pong: two actors bounce a ball as fast as the runtime lets them. `ping` serves and
// holds the ball when told to stop; `pong` returns whatever reaches it. The page asks `ping`
// for the count once per frame. Stop `pong` from the inspector during a rally: the ball in its
// mailbox becomes a dead letter, and `ping`, which watches `pong`, says the ball is lost.
import { ActorSystem, type ActorContext, type ActorRef, type StopReason } from "backstage-actors";
import { inspect, previewMessage, type InspectorMessage } from "backstage-actors/inspector";

import { $, attachInspector, log } from "./shared/page.js";

type Ball = { type: "ball" };
type PingMsg = Ball | { type: "start" } | { type: "stop" } | { type: "count" } | InspectorMessage;
type PongMsg = Ball | InspectorMessage;

const system = ActorSystem.create();
// Before spawning, so the inspector sees every actor; dead letters show the message itself.
const inspection = inspect(system, { redact: previewMessage });
const events = $("#log");

function Ping() {
  let hits = 0;
  let playing = false;
  let holding = true; // the ball is here until served
  const hit = () => {
    try {
      pong.tell({ type: "ball" });
    } catch (e) {
      playing = false; // pong is gone: the ball is lost (a dead letter)
      log(events, `ping lost the ball: ${(e as Error).message}`);
    }
  };
  return {
    started(ctx: ActorContext<PingMsg, number>): void {
      ctx.watch(pong);
    },
    receive(msg: PingMsg): number {
      switch (msg.type) {
        case "start":
          playing = true;
          if (holding) {
            holding = false;
            hit();
          }
          break;
        case "stop":
          playing = false;
          break;
        case "ball":
          hits++;
          if (playing) hit();
          else holding = true;
          break;
        case "InspectorMessage":
          log(events, `ping got a note from the inspector: ${msg.text}`);
          break;
      }
      return hits;
    },
    terminated(other: ActorRef<unknown, unknown>, reason: StopReason): void {
      playing = holding = false;
      log(events, `pong (${other.id}) stopped (${reason}): the ball is lost`);
    },
  };
}

function Pong() {
  return {
    receive(msg: PongMsg, ctx: ActorContext<PongMsg, void>): void {
      if (msg.type === "ball") (ctx.sender as ActorRef<Ball> | undefined)?.tell(msg);
      else log(events, `pong got a note from the inspector: ${msg.text}`);
    },
  };
}

const pong: ActorRef<PongMsg> = system.spawn(Pong, { name: "pong" });
const ping: ActorRef<PingMsg, number> = system.spawn(Ping, { name: "ping" });

$("#start").addEventListener("click", () => ping.tell({ type: "start" }));
$("#stop").addEventListener("click", () => ping.tell({ type: "stop" }));

// The live count: one ask per animation frame (never two in flight).
const count = $("#count");
const rate = $("#rate");
let last = { at: performance.now(), hits: 0 };
async function refresh(): Promise<void> {
  try {
    const hits = await ping.ask({ type: "count" }, { timeout: 1000 });
    count.textContent = hits.toLocaleString("en");
    const now = performance.now();
    if (now - last.at >= 500) {
      rate.textContent = `${Math.round(((hits - last.hits) * 1000) / (now - last.at)).toLocaleString("en")} hits/s`;
      last = { at: now, hits };
    }
  } catch (e) {
    count.textContent = `— (${(e as Error).message})`;
    return; // ping is gone
  }
  requestAnimationFrame(() => void refresh());
}
void refresh();

attachInspector(inspection);
