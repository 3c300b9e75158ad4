import { IncompleteStreamError, type SseResponse } from "./http-types";

/**
 * Incremental SSE reader: feed it text as it arrives, it counts `data:` events, notices
 * `[DONE]`, and keeps the last payload. Only what a benchmark needs; not a full SSE parser
 * (no event names, ids or retry fields). It scans in place rather than re-slicing its buffer per
 * event: it runs in the load generator, whose CPU the benchmark's subject shares.
 */
export class SseReader {
  events = 0;
  done = false;
  lastData: string | undefined;
  firstEventAtMs: number | undefined;
  private buffer = "";

  feed(text: string): void {
    const buffer = this.buffer + (text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text);
    let from = 0;
    for (let boundary = buffer.indexOf("\n\n"); boundary !== -1; boundary = buffer.indexOf("\n\n", from)) {
      this.onEvent(buffer, from, boundary);
      from = boundary + 2;
    }
    this.buffer = from === 0 ? buffer : buffer.slice(from);
  }

  /**
   * What a client returns once the body has ended (read from `startMs`, performance.now()); throws
   * IncompleteStreamError if [DONE] never came.
   */
  result(status: number, startMs: number): SseResponse {
    if (!this.done) throw new IncompleteStreamError(`stream ended without [DONE] after ${this.events} events`);
    const endMs = performance.now();
    return { status, events: this.events, done: true, lastData: this.lastData, firstEventMs: (this.firstEventAtMs ?? endMs) - startMs, ms: endMs - startMs };
  }

  /** The event in buffer[start, end). */
  private onEvent(buffer: string, start: number, end: number): void {
    let data: string | undefined;
    for (let line = start; line < end; ) {
      let lineEnd = buffer.indexOf("\n", line);
      if (lineEnd === -1 || lineEnd > end) lineEnd = end;
      if (buffer.startsWith("data:", line)) {
        const value = buffer.slice(buffer.charCodeAt(line + 5) === 32 ? line + 6 : line + 5, lineEnd);
        data = data === undefined ? value : `${data}\n${value}`;
      }
      line = lineEnd + 1;
    }
    if (data === undefined) return;
    this.events++;
    this.firstEventAtMs ??= performance.now();
    if (data === "[DONE]") this.done = true;
    else this.lastData = data;
  }
}
