/**
 * Incremental SSE reader: feed it text as it arrives, it counts `data:` events, notices
 * `[DONE]`, and keeps the last payload. Only what a benchmark needs; not a full SSE parser
 * (no event names, ids or retry fields).
 */
export class SseReader {
  events = 0;
  done = false;
  lastData: string | undefined;
  firstEventAtMs: number | undefined;
  private buffer = "";

  feed(text: string): void {
    this.buffer += text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
    let boundary = this.buffer.indexOf("\n\n");
    while (boundary !== -1) {
      this.onEvent(this.buffer.slice(0, boundary));
      this.buffer = this.buffer.slice(boundary + 2);
      boundary = this.buffer.indexOf("\n\n");
    }
  }

  private onEvent(event: string): void {
    let data: string | undefined;
    for (const line of event.split("\n")) {
      if (!line.startsWith("data:")) continue;
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = data === undefined ? value : `${data}\n${value}`;
    }
    if (data === undefined) return;
    this.events++;
    this.firstEventAtMs ??= performance.now();
    if (data === "[DONE]") this.done = true;
    else this.lastData = data;
  }
}
