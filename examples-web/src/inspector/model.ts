// What the inspector knows: the latest snapshot, each actor's recent rates, the tree order of
// the rows to show, and the recent events. Fed with the protocol's frames, whatever their
// transport; rendering is view.ts's business.
import type { ActorInfo, HelloFrame, InspectorEvent, RuntimeFrame, SnapshotFrame } from "backstage-actors/inspector";

/** How many rate samples a sparkline shows (at 500 ms a sample: the last 20 s). */
export const HISTORY = 40;
/** How many dead letters and lifecycle events the lists keep. */
const KEEP = 200;

/** An actor as the list shows it. */
export interface Row {
  info: ActorInfo;
  /** The last {@link HISTORY} rates, a ring: sample `n` is at `n % HISTORY`. */
  readonly history: Float32Array;
  /** Samples taken so far (also the sparkline's change stamp). */
  samples: number;
  depth: number;
  children: number;
  /** The snapshot that last named it (rows not in the latest one are gone). */
  seen: number;
}

export type DeadLetterEvent = Extract<InspectorEvent, { kind: "deadLetter" }>;
export type LifecycleEvent = Exclude<InspectorEvent, { kind: "deadLetter" }>;

export class Model {
  hello: HelloFrame | undefined;
  snapshot: SnapshotFrame | undefined;
  /** `performance.now()` when the latest snapshot arrived. */
  receivedAt = 0;
  snapshots = 0;
  readonly actors = new Map<string, Row>();
  /** The rows to show, in tree order (parents before their children), filtered. */
  rows: Row[] = [];
  readonly collapsed = new Set<string>();
  filter = "";
  readonly systemHistory = new Float32Array(HISTORY);
  /** Newest first. */
  deadLetters: DeadLetterEvent[] = [];
  events: LifecycleEvent[] = [];
  droppedEvents = 0;

  /** Takes in a frame; returns true if what is shown changed. */
  apply(frame: RuntimeFrame): boolean {
    switch (frame.type) {
      case "hello":
        this.hello = frame;
        return true;
      case "snapshot":
        this.#snapshot(frame);
        return true;
      case "events":
      {
        this.droppedEvents += frame.dropped;
        // Newest first, at most KEEP of each (a batch may hold 10,000 spawns).
        const dead: DeadLetterEvent[] = [];
        const life: LifecycleEvent[] = [];
        for (let i = frame.events.length - 1; i >= 0 && (dead.length < KEEP || life.length < KEEP); i--) {
          const event = frame.events[i] as InspectorEvent;
          if (event.kind === "deadLetter") {
            if (dead.length < KEEP) dead.push(event);
          } else if (life.length < KEEP) life.push(event);
        }
        this.deadLetters = dead.concat(this.deadLetters).slice(0, KEEP);
        this.events = life.concat(this.events).slice(0, KEEP);
        return frame.events.length > 0;
      }
      default:
        return false; // ok / error: the view answers those
    }
  }

  #snapshot(frame: SnapshotFrame): void {
    const stamp = ++this.snapshots;
    this.snapshot = frame;
    this.receivedAt = performance.now();
    this.systemHistory[(stamp - 1) % HISTORY] = frame.system.rate;
    for (const info of frame.actors) {
      let row = this.actors.get(info.id);
      if (!row) {
        row = { info, history: new Float32Array(HISTORY), samples: 0, depth: 0, children: 0, seen: stamp };
        this.actors.set(info.id, row);
      }
      row.info = info;
      row.history[row.samples % HISTORY] = info.rate;
      row.samples++;
      row.seen = stamp;
    }
    for (const [id, row] of this.actors) if (row.seen !== stamp) this.actors.delete(id);
    this.layout();
  }

  /** Recomputes the shown rows: the tree in depth-first order, collapsed subtrees left out, filtered. */
  layout(): void {
    const children = new Map<string | null, Row[]>();
    for (const row of this.actors.values()) {
      const parent = row.info.parent !== null && this.actors.has(row.info.parent) ? row.info.parent : null;
      let list = children.get(parent);
      if (!list) children.set(parent, (list = []));
      list.push(row);
    }
    const filter = this.filter.trim().toLowerCase();
    const rows: Row[] = [];
    const stack: { row: Row; depth: number }[] = [];
    const push = (list: Row[] | undefined, depth: number) => {
      if (!list) return;
      for (let i = list.length - 1; i >= 0; i--) stack.push({ row: list[i] as Row, depth });
    };
    push(children.get(null), 0);
    while (stack.length > 0) {
      const { row, depth } = stack.pop() as { row: Row; depth: number };
      const kids = children.get(row.info.id);
      row.depth = depth;
      row.children = kids?.length ?? 0;
      if (!filter || matches(row.info, filter)) rows.push(row);
      if (filter || !this.collapsed.has(row.info.id)) push(kids, depth + 1);
    }
    this.rows = rows;
  }

  /** Milliseconds since the latest snapshot arrived (Infinity before the first). */
  age(now = performance.now()): number {
    return this.snapshot ? now - this.receivedAt : Infinity;
  }
}

function matches(info: ActorInfo, filter: string): boolean {
  return info.id.includes(filter) || info.type.toLowerCase().includes(filter) || (info.name?.toLowerCase().includes(filter) ?? false);
}

/** A row's label: its name if it has one, else its type. */
export function label(info: ActorInfo): string {
  return info.name ?? info.type;
}
