// The inspector's page: a header with the system's counters, the actor tree as a virtualised
// list (only the rows in view exist in the DOM: 10,000 actors cost as much to draw as 30), and
// side panels for the selected actor (stop it, send it a test message), topics, dead letters
// and lifecycle events. Frames come from any transport; drawing happens once per animation
// frame at most.
import type { ActorInfo, Command, RuntimeFrame } from "backstage-actors/inspector";

import { HISTORY, Model, label, type Row } from "./model.js";
import type { Link, Status, Transport } from "./transports.js";

const ROW_HEIGHT = 26;
/** Rows drawn above and below the visible ones, so a scroll rarely shows a gap. */
const OVERSCAN = 8;
/** Snapshots are asked for at this interval: the inspector is never more than ~0.5 s behind. */
const WATCH_INTERVAL_MS = 500;
/** Shown in the lists of dead letters and events. */
const LIST_LENGTH = 50;

const SKELETON = `
<header class="bi-head">
  <strong class="bi-title">Backstage inspector</strong>
  <span class="bi-source" data-testid="source"></span>
  <span class="bi-status" data-testid="status" data-status="connecting">connecting…</span>
  <span class="bi-stat">actors <b data-testid="actor-count">–</b></span>
  <span class="bi-stat">msgs/s <b data-testid="system-rate">–</b></span>
  <canvas class="bi-spark bi-spark-system" width="120" height="22" data-testid="system-spark"></canvas>
  <span class="bi-stat">delivered <b data-testid="delivered">–</b></span>
  <span class="bi-stat">dead letters <b data-testid="dead-letter-count">–</b></span>
  <span class="bi-stat">restarts <b data-testid="restart-count">–</b></span>
  <span class="bi-age" data-testid="age"></span>
</header>
<div class="bi-body">
  <section class="bi-actors">
    <div class="bi-toolbar">
      <input type="search" placeholder="filter: name, type or id" data-testid="filter" aria-label="filter actors">
      <span data-testid="row-count"></span>
    </div>
    <div class="bi-columns" aria-hidden="true">
      <span>actor</span><span>state</span><span>msgs/s</span><span>throughput</span><span>mailbox</span><span>restarts</span>
    </div>
    <div class="bi-list" data-testid="actor-list" role="grid" tabindex="0"><div class="bi-spacer"></div></div>
  </section>
  <aside class="bi-side">
    <section class="bi-panel" data-testid="details"><h3>Actor</h3><p class="bi-hint">Select an actor in the list.</p></section>
    <section class="bi-panel"><h3>Topics</h3><ul class="bi-topics" data-testid="topics"></ul></section>
    <section class="bi-panel"><h3>Dead letters</h3><div class="bi-reasons" data-testid="dead-letter-reasons"></div><ul class="bi-log" data-testid="dead-letters"></ul></section>
    <section class="bi-panel"><h3>Events</h3><ul class="bi-log" data-testid="events"></ul></section>
  </aside>
</div>`;

/** An inspector drawn into an element. */
export interface MountedInspector {
  readonly model: Model;
  close(): void;
}

/** Draws an inspector into `root` and connects it through `transport`. */
export function mountInspector(root: HTMLElement, transport: Transport): MountedInspector {
  root.classList.add("bi");
  root.innerHTML = SKELETON;
  const part = <T extends HTMLElement = HTMLElement>(id: string) => root.querySelector(`[data-testid="${id}"]`) as T;
  const model = new Model();
  const list = part("actor-list");
  const spacer = list.querySelector(".bi-spacer") as HTMLElement;
  const slots: Slot[] = [];
  let selected: string | undefined;
  let listDirty = true;
  let sideDirty = true;
  let scheduled = 0;
  let link: Link | undefined;
  let nextRef = 1;
  const pending = new Map<number, string>();
  let result: { text: string; ok: boolean } | undefined;

  part("source").textContent = transport.label;

  const schedule = () => {
    if (!scheduled) scheduled = requestAnimationFrame(draw);
  };
  const send = (command: Command, what: string) => {
    if (command.ref !== undefined) pending.set(command.ref, what);
    link?.send(command);
  };

  const onFrame = (frame: RuntimeFrame) => {
    if (frame.type === "ok" || frame.type === "error") {
      const what = frame.ref === null ? undefined : pending.get(frame.ref);
      if (frame.ref !== null) pending.delete(frame.ref);
      if (what === "watch" && frame.type === "ok") return;
      result = frame.type === "ok" ? { text: `ok: ${what ?? "done"}`, ok: true } : { text: `${frame.code}: ${frame.message}`, ok: false };
      sideDirty = true;
      schedule();
      return;
    }
    if (model.apply(frame)) {
      listDirty = true;
      sideDirty = true;
      schedule();
    }
  };
  const onStatus = (status: Status, detail?: string) => {
    const el = part("status");
    el.dataset["status"] = status;
    el.textContent = status === "open" ? "live" : status === "connecting" ? "connecting…" : "disconnected";
    el.title = detail ?? "";
    if (status === "open") send({ type: "watch", ref: nextRef++, intervalMs: WATCH_INTERVAL_MS }, "watch");
  };
  link = transport.open(onFrame, onStatus);

  // ---- drawing ----

  function draw(): void {
    scheduled = 0;
    drawHeader();
    if (listDirty) drawList();
    if (sideDirty) drawSide();
    listDirty = sideDirty = false;
  }

  function drawHeader(): void {
    const snap = model.snapshot;
    if (!snap) return;
    part("actor-count").textContent = format(snap.system.liveActors);
    part("system-rate").textContent = format(snap.system.rate);
    part("delivered").textContent = format(snap.system.delivered);
    part("dead-letter-count").textContent = format(snap.deadLetters.total);
    part("restart-count").textContent = format(snap.system.restarts);
    spark(part<HTMLCanvasElement>("system-spark"), model.systemHistory, model.snapshots);
  }

  function drawList(): void {
    const rows = model.rows;
    spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    part("row-count").textContent = rows.length === model.actors.size ? `${rows.length} rows` : `${rows.length} of ${model.actors.size} rows`;
    const first = Math.max(0, Math.floor(list.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const count = Math.min(rows.length - first, Math.ceil(list.clientHeight / ROW_HEIGHT) + 2 * OVERSCAN);
    while (slots.length < count) slots.push(new Slot(list));
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as Slot;
      const row = i < count ? rows[first + i] : undefined;
      if (row) slot.show(row, first + i, row.info.id === selected, model.collapsed.has(row.info.id));
      else slot.hide();
    }
  }

  function drawSide(): void {
    drawDetails();
    drawTopics();
    drawDeadLetters();
    drawEvents();
  }

  function drawDetails(): void {
    const panel = part("details");
    const row = selected === undefined ? undefined : model.actors.get(selected);
    if (selected === undefined) return;
    let body = panel.querySelector<HTMLElement>(".bi-detail-body");
    if (!body) {
      panel.innerHTML = `<h3>Actor</h3><div class="bi-detail-body"><dl></dl>
        <div class="bi-controls">
          <button type="button" data-testid="stop">Stop</button>
          <form data-testid="send-form"><input name="text" placeholder="test message" data-testid="send-text" aria-label="test message"><button data-testid="send">Send</button></form>
        </div><p class="bi-result" data-testid="command-result"></p></div>`;
      body = panel.querySelector(".bi-detail-body") as HTMLElement;
      (panel.querySelector('[data-testid="stop"]') as HTMLElement).addEventListener("click", () => {
        if (selected !== undefined) send({ type: "stop", ref: nextRef++, actor: selected }, `stopped ${selected}`);
      });
      (panel.querySelector('[data-testid="send-form"]') as HTMLFormElement).addEventListener("submit", (e) => {
        e.preventDefault();
        const input = panel.querySelector('[data-testid="send-text"]') as HTMLInputElement;
        if (selected !== undefined) send({ type: "send", ref: nextRef++, actor: selected, text: input.value }, `sent to ${selected}`);
      });
    }
    const info: ActorInfo | undefined = row?.info;
    const fields: [string, string][] = info
      ? [
          ["id", info.id],
          ["name", info.name ?? "—"],
          ["type", info.type],
          ["parent", info.parent ?? "— (top level)"],
          ["state", info.state],
          ["processed", format(info.processed)],
          ["msgs/s", format(info.rate)],
          ["mailbox", `${info.mailbox} / ${info.capacity}`],
          ["errors", String(info.errors)],
          ["restarts", String(info.restarts)],
        ]
      : [
          ["id", selected],
          ["state", "stopped"],
        ];
    const dl = body.querySelector("dl") as HTMLElement;
    dl.replaceChildren(...fields.flatMap(([k, v]) => [el("dt", k), el("dd", v, { "data-field": k })]));
    for (const button of body.querySelectorAll<HTMLButtonElement>("button")) button.disabled = !info;
    const out = body.querySelector('[data-testid="command-result"]') as HTMLElement;
    out.textContent = result?.text ?? "";
    out.dataset["ok"] = String(result?.ok ?? "");
  }

  function drawTopics(): void {
    const topics = model.snapshot?.topics ?? [];
    const most = Math.max(1, ...topics.map((t) => t.subscribers));
    part("topics").replaceChildren(
      ...(topics.length === 0
        ? [el("li", "no topics", { class: "bi-hint" })]
        : topics.map((t) => {
            const li = el("li", "", { "data-topic": t.name });
            const bar = el("span", "", { class: "bi-bar" });
            bar.style.width = `${(100 * t.subscribers) / most}%`;
            li.append(el("span", t.name, { class: "bi-topic-name" }), el("span", "", { class: "bi-bar-track" }), el("b", `${t.subscribers}`));
            (li.children[1] as HTMLElement).append(bar);
            return li;
          })),
    );
  }

  function drawDeadLetters(): void {
    const byReason = model.snapshot?.deadLetters.byReason ?? {};
    part("dead-letter-reasons").replaceChildren(...Object.entries(byReason).map(([reason, n]) => el("span", `${reason} ${n}`, { class: "bi-chip" })));
    const now = model.snapshot?.at ?? 0;
    part("dead-letters").replaceChildren(
      ...model.deadLetters.slice(0, LIST_LENGTH).map((d) =>
        el("li", `${ago(now, d.at)} ${d.reason} → ${d.to ?? "?"}${d.from ? ` from ${d.from}` : ""}: ${d.messageType}${d.message === null || d.message === d.messageType ? "" : ` ${d.message}`}`, {
          "data-reason": d.reason,
        }),
      ),
    );
  }

  function drawEvents(): void {
    const now = model.snapshot?.at ?? 0;
    const text = (e: (typeof model.events)[number]) => {
      switch (e.kind) {
        case "spawned":
          return `spawned ${e.id}${e.name ? ` (${e.name})` : ""}${e.parent ? ` under ${e.parent}` : ""}`;
        case "stopped":
          return `stopped ${e.id}: ${e.reason}`;
        case "failed":
          return `failed ${e.id}: ${e.error}`;
        case "restarted":
          return `restarted ${e.id}`;
      }
    };
    const shown = model.events.slice(0, LIST_LENGTH).map((e) => el("li", `${ago(now, e.at)} ${text(e)}`, { "data-kind": e.kind }));
    if (model.droppedEvents > 0) shown.push(el("li", `${model.droppedEvents} older events dropped by the runtime`, { class: "bi-hint" }));
    part("events").replaceChildren(...shown);
  }

  // ---- input ----

  list.addEventListener("scroll", () => {
    listDirty = true;
    schedule();
  });
  list.addEventListener("click", (e) => {
    const target = e.target as HTMLElement;
    const rowEl = target.closest<HTMLElement>(".bi-row");
    const id = rowEl?.dataset["id"];
    if (!id) return;
    if (target.closest(".bi-twisty")) {
      if (model.collapsed.has(id)) model.collapsed.delete(id);
      else model.collapsed.add(id);
      model.layout();
    } else {
      selected = id;
      result = undefined;
      sideDirty = true;
    }
    listDirty = true;
    draw(); // at once: a click shows its effect in the same frame
  });
  part<HTMLInputElement>("filter").addEventListener("input", (e) => {
    model.filter = (e.target as HTMLInputElement).value;
    model.layout();
    list.scrollTop = 0;
    listDirty = true;
    schedule();
  });
  const resize = new ResizeObserver(() => {
    listDirty = true;
    schedule();
  });
  resize.observe(list);
  // The age of the data, so a stalled feed shows.
  const ticker = window.setInterval(() => {
    const age = model.age();
    const el = part("age");
    el.textContent = Number.isFinite(age) ? `updated ${Math.round(age)} ms ago` : "";
    el.dataset["stale"] = String(age > 1000);
  }, 250);

  return {
    model,
    close() {
      window.clearInterval(ticker);
      resize.disconnect();
      cancelAnimationFrame(scheduled);
      link?.close();
      link = undefined;
    },
  };
}

/** One row element of the virtualised list, reused for whichever row scrolls into its place. */
class Slot {
  readonly el: HTMLElement;
  readonly #twisty: HTMLElement;
  readonly #label: HTMLElement;
  readonly #type: HTMLElement;
  readonly #state: HTMLElement;
  readonly #rate: HTMLElement;
  readonly #spark: HTMLCanvasElement;
  readonly #fill: HTMLElement;
  readonly #mailbox: HTMLElement;
  readonly #restarts: HTMLElement;
  #drawn: { row: Row; samples: number } | undefined;

  constructor(list: HTMLElement) {
    this.el = el("div", "", { class: "bi-row", role: "row" });
    const name = el("span", "", { class: "bi-name" });
    this.#twisty = el("span", "", { class: "bi-twisty" });
    this.#label = el("span", "", { class: "bi-label" });
    this.#type = el("span", "", { class: "bi-type" });
    name.append(this.#twisty, this.#label, this.#type);
    this.#state = el("span", "", { class: "bi-state" });
    this.#rate = el("span", "", { class: "bi-rate", "data-field": "rate" });
    this.#spark = el("canvas", "", { class: "bi-spark", width: "72", height: "18" }) as HTMLCanvasElement;
    const box = el("span", "", { class: "bi-mailbox" });
    const track = el("span", "", { class: "bi-bar-track" });
    this.#fill = el("span", "", { class: "bi-bar" });
    track.append(this.#fill);
    this.#mailbox = el("span", "", { class: "bi-mailbox-text", "data-field": "mailbox" });
    box.append(track, this.#mailbox);
    this.#restarts = el("span", "", { class: "bi-restarts", "data-field": "restarts" });
    this.el.append(name, this.#state, this.#rate, this.#spark, box, this.#restarts);
    list.append(this.el);
  }

  show(row: Row, index: number, selected: boolean, collapsed: boolean): void {
    const { info } = row;
    const el = this.el;
    el.hidden = false;
    el.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    el.dataset["id"] = info.id;
    el.setAttribute("aria-selected", String(selected));
    this.#twisty.textContent = row.children === 0 ? "" : collapsed ? "▸" : "▾";
    this.#twisty.style.marginLeft = `${row.depth * 14}px`;
    this.#label.textContent = label(info);
    this.#type.textContent = info.name === null ? info.id : `${info.type} ${info.id}`;
    this.#state.textContent = info.state;
    this.#state.dataset["state"] = info.state;
    this.#rate.textContent = format(info.rate);
    const fill = info.capacity > 0 ? info.mailbox / info.capacity : 0;
    this.#fill.style.width = `${Math.min(100, fill * 100)}%`;
    this.#fill.dataset["level"] = fill > 0.8 ? "high" : fill > 0.5 ? "mid" : "low";
    this.#mailbox.textContent = `${info.mailbox}/${info.capacity}`;
    this.#restarts.textContent = info.restarts === 0 ? "" : `↻ ${info.restarts}`;
    if (this.#drawn?.row !== row || this.#drawn.samples !== row.samples) {
      spark(this.#spark, row.history, row.samples);
      this.#drawn = { row, samples: row.samples };
    }
  }

  hide(): void {
    this.el.hidden = true;
    this.#drawn = undefined;
  }
}

/** Draws the last samples of a ring of {@link HISTORY} values, scaled to their maximum. */
function spark(canvas: HTMLCanvasElement, history: Float32Array, samples: number): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const { width: w, height: h } = canvas;
  ctx.clearRect(0, 0, w, h);
  const n = Math.min(samples, HISTORY);
  if (n < 2) return;
  let max = 1;
  for (let k = 0; k < n; k++) max = Math.max(max, history[(samples - n + k) % HISTORY] as number);
  ctx.beginPath();
  for (let k = 0; k < n; k++) {
    const x = ((HISTORY - n + k) / (HISTORY - 1)) * (w - 1);
    const y = h - 1 - ((history[(samples - n + k) % HISTORY] as number) / max) * (h - 2);
    if (k === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  }
  ctx.strokeStyle = "#2f7d6d";
  ctx.lineWidth = 1.25;
  ctx.stroke();
}

function el(tag: string, text: string, attributes: Record<string, string> = {}): HTMLElement {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  return node;
}

/** 1234567 → "1.23 M", 0.4 → "0.4". */
function format(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  if (n >= 100 || Number.isInteger(n)) return String(Math.round(n));
  return n.toFixed(1);
}

/** How long before `now` (both on the runtime's clock) `at` was. */
function ago(now: number, at: number): string {
  const s = Math.max(0, now - at) / 1000;
  return s < 1 ? "now" : `${s.toFixed(s < 10 ? 1 : 0)} s ago`;
}
