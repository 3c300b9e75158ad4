import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import { createEmptyState, type EmulatorState } from "./store";

/**
 * Sandbox persistence: the whole state is one JSON document. Writes are debounced
 * (a checkout completion touches a dozen objects) and atomic (write a temp file,
 * then rename) so a crash never leaves half a file behind.
 */
export class StateFile {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly path: string | null,
    private readonly debounceMs = 50,
  ) {}

  load(): EmulatorState {
    const empty = createEmptyState();
    if (!this.path || !existsSync(this.path)) return empty;
    let parsed: Partial<EmulatorState>;
    try {
      parsed = JSON.parse(readFileSync(this.path, "utf8")) as Partial<EmulatorState>;
    } catch {
      // Keep the unreadable file for inspection and start over rather than refuse to start.
      renameSync(this.path, `${this.path}.corrupt-${Date.now()}`);
      return empty;
    }
    if (parsed.version !== 1) return empty;
    // Tables added in later versions of the emulator start empty.
    const state = { ...empty, ...parsed };
    if (!parsed.internalMeterIdentifiers) {
      // Files from before the separate dedupe index: rebuild it so resends stay deduplicated.
      for (const e of state.internalMeterEvents) state.internalMeterIdentifiers[e.event.identifier] = { event: e.event, customer: e.customer, receivedAtMs: e.receivedAtMs };
    }
    return state;
  }

  scheduleSave(state: EmulatorState): void {
    if (!this.path || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.saveNow(state);
    }, this.debounceMs);
    this.timer.unref();
  }

  saveNow(state: EmulatorState): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.path);
  }
}
