/**
 * Server-sent events, the subset chat completions use: `data:` lines (joined when an event has
 * several), events separated by a blank line, comments and other fields ignored.
 *
 * Yields the events of each network read together, so the caller can forward a whole read in one
 * write (a fast upstream sends dozens of events per read). If nothing arrives for `idleTimeoutMs`,
 * `onIdle` is called (it should abort the upstream) and StreamIdleTimeoutError is thrown.
 *
 * An iterator object, not an `async function*`: on Node 20's V8 an async generator that wraps
 * another async iteration made about an eighth of everything a streamed request allocated outlive
 * the young generation — promoted, then kept as old garbage until a full collection — so every
 * scavenge copied ≈ 1.6 MB and paused the gateway for 5–10 ms (lib/gateway/README.md, "Garbage
 * the collector had to copy"). The same parser driven by this object leaves nothing behind.
 */
export function readSseBatches(source: AsyncIterable<Uint8Array>, idleTimeoutMs: number, onIdle: (e: Error) => void): AsyncIterableIterator<string[]> {
  return new SseBatchReader(source[Symbol.asyncIterator](), idleTimeoutMs, onIdle);
}

export class StreamIdleTimeoutError extends Error {
  constructor(ms: number) {
    super(`upstream sent nothing for ${ms} ms`);
    this.name = "StreamIdleTimeoutError";
  }
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

class SseBatchReader implements AsyncIterableIterator<string[]> {
  private readonly parser = new SseParser();
  private idle: StreamIdleTimeoutError | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private finished = false;

  constructor(
    private readonly chunks: AsyncIterator<Uint8Array>,
    private readonly idleTimeoutMs: number,
    private readonly onIdle: (e: Error) => void,
  ) {
    this.arm();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<string[]>> {
    if (this.finished) return DONE;
    try {
      for (;;) {
        const read = await this.chunks.next();
        if (read.done) break;
        this.arm();
        const events = this.parser.push(read.value);
        if (events.length > 0) return { done: false, value: events };
      }
      // A source that ends quietly when aborted (instead of throwing) must not pass for a complete one.
      if (this.idle) throw this.idle;
      this.finish();
      const last = this.parser.end();
      return last.length > 0 ? { done: false, value: last } : DONE;
    } catch (e) {
      this.finish();
      throw this.idle ?? e;
    }
  }

  /** The consumer stopped early (`break`, `return`, a throw in its loop): stop the timer and the source. */
  async return(): Promise<IteratorResult<string[]>> {
    this.finish();
    await this.chunks.return?.();
    return DONE;
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.idle = new StreamIdleTimeoutError(this.idleTimeoutMs);
      this.onIdle(this.idle);
    }, this.idleTimeoutMs);
  }

  private finish(): void {
    this.finished = true;
    clearTimeout(this.timer);
  }
}

const CR = 13;
const SPACE = 32;

/** The event-stream grammar, one network read at a time. */
class SseParser {
  private readonly decoder = new TextDecoder();
  private buffer = "";
  private data: string[] = [];

  /**
   * The events completed by this read (none when it ends mid-event). Scans by index and cuts each
   * payload out of the read once: a read carries dozens of events, and re-slicing the rest of the
   * buffer line by line made this parser the gateway's second-largest allocator per stream.
   */
  push(chunk: Uint8Array): string[] {
    const text = this.buffer + this.decoder.decode(chunk, { stream: true });
    const events: string[] = [];
    let start = 0;
    let newline: number;
    while ((newline = text.indexOf("\n", start)) >= 0) {
      const end = newline > start && text.charCodeAt(newline - 1) === CR ? newline - 1 : newline;
      if (end === start) {
        if (this.data.length === 1) events.push(this.data[0]!);
        else if (this.data.length > 1) events.push(this.data.join("\n"));
        this.data.length = 0;
      } else if (text.startsWith("data:", start)) {
        this.data.push(text.slice(start + (text.charCodeAt(start + 5) === SPACE ? 6 : 5), end));
      }
      start = newline + 1;
    }
    this.buffer = start === 0 ? text : text.slice(start);
    return events;
  }

  /** At the end of the stream: the last line may lack its newline, and the last event its blank line. */
  end(): string[] {
    const tail = this.buffer.endsWith("\r") ? this.buffer.slice(0, -1) : this.buffer;
    if (tail.startsWith("data:")) this.data.push(tail.slice(tail.charCodeAt(5) === SPACE ? 6 : 5));
    return this.data.length > 0 ? [this.data.join("\n")] : [];
  }
}
