/**
 * Server-sent events, the subset chat completions use: `data:` lines (joined when an event has
 * several), events separated by a blank line, comments and other fields ignored.
 *
 * Yields the events of each network read together, so the caller can forward a whole read in one
 * write (a fast upstream sends dozens of events per read). If nothing arrives for `idleTimeoutMs`,
 * `onIdle` is called (it should abort the upstream) and StreamIdleTimeoutError is thrown.
 */
export async function* readSseBatches(source: AsyncIterable<Uint8Array>, idleTimeoutMs: number, onIdle: (e: Error) => void): AsyncGenerator<string[]> {
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  let idle: StreamIdleTimeoutError | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = new StreamIdleTimeoutError(idleTimeoutMs);
      onIdle(idle);
    }, idleTimeoutMs);
  };
  try {
    arm();
    for await (const chunk of source) {
      arm();
      buffer += decoder.decode(chunk, { stream: true });
      const events: string[] = [];
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        let line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.endsWith("\r")) line = line.slice(0, -1);
        if (line === "") {
          if (data.length > 0) events.push(data.join("\n"));
          data = [];
        } else if (line.startsWith("data:")) {
          data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
        }
      }
      if (events.length > 0) yield events;
    }
    // A source that ends quietly when aborted (instead of throwing) must not pass for a complete one.
    if (idle) throw idle;
    // The last line may lack its newline, and the last event its blank line.
    const tail = buffer.endsWith("\r") ? buffer.slice(0, -1) : buffer;
    if (tail.startsWith("data:")) data.push(tail.slice(tail.startsWith("data: ") ? 6 : 5));
    if (data.length > 0) yield [data.join("\n")];
  } catch (e) {
    throw idle ?? e;
  } finally {
    clearTimeout(timer);
  }
}

export class StreamIdleTimeoutError extends Error {
  constructor(ms: number) {
    super(`upstream sent nothing for ${ms} ms`);
    this.name = "StreamIdleTimeoutError";
  }
}
