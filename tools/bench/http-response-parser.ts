/**
 * Incremental HTTP/1.1 response parser for the raw benchmark client (./raw-http-client.ts): feed
 * it what the socket delivers, in pieces of any size; it reports the status once the head is in
 * and the body's bytes as they arrive, de-chunked. Bodies framed by content-length, by chunked
 * transfer-encoding, or (without either) by the connection's close. No 1xx, no trailers kept.
 */
const CRLF = Buffer.from("\r\n");
const HEAD_END = Buffer.from("\r\n\r\n");
/** A head or a chunk-size line longer than this is not an HTTP response this client can use. */
const MAX_LINE = 64 * 1024;

type State = "head" | "length" | "size" | "data" | "data-end" | "trailer" | "close" | "done";

export type ParserEvents = { onHead: (status: number) => void; onBody: (piece: Buffer) => void };

export class HttpResponseParser {
  status = 0;
  /** The connection may carry another request after this response. */
  keepAlive = true;
  /** The body ends when the connection closes (no length, not chunked). */
  endsAtClose = false;
  private state: State = "head";
  private pending: Buffer | null = null;
  private left = 0;

  get complete(): boolean {
    return this.state === "done";
  }

  feed(data: Buffer, events: ParserEvents): void {
    const buf = this.pending ? Buffer.concat([this.pending, data]) : data;
    this.pending = null;
    let at = 0;
    while (at < buf.length && this.state !== "done") {
      switch (this.state) {
        case "head": {
          const end = buf.indexOf(HEAD_END, at);
          if (end < 0) return this.keep(buf, at, "response head");
          this.readHead(buf.toString("latin1", at, end));
          at = end + HEAD_END.length;
          events.onHead(this.status);
          break;
        }
        case "length":
          at = this.passBody(buf, at, events, "done");
          break;
        case "size": {
          const end = buf.indexOf(CRLF, at);
          if (end < 0) return this.keep(buf, at, "chunk size line");
          const size = Number.parseInt(buf.toString("latin1", at, end).split(";")[0]!.trim(), 16);
          if (!Number.isFinite(size) || size < 0) throw new Error("malformed chunk size");
          at = end + CRLF.length;
          this.left = size;
          this.state = size === 0 ? "trailer" : "data";
          break;
        }
        case "data":
          at = this.passBody(buf, at, events, "data-end");
          break;
        case "data-end": {
          if (buf.length - at < CRLF.length) return this.keep(buf, at, "chunk end");
          if (buf[at] !== CRLF[0] || buf[at + 1] !== CRLF[1]) throw new Error("malformed chunk end");
          at += CRLF.length;
          this.state = "size";
          break;
        }
        case "trailer": {
          // Trailer fields (rare, ignored) then an empty line.
          const end = buf.indexOf(CRLF, at);
          if (end < 0) return this.keep(buf, at, "trailer line");
          if (end === at) this.state = "done";
          at = end + CRLF.length;
          break;
        }
        case "close":
          events.onBody(buf.subarray(at));
          at = buf.length;
          break;
      }
    }
    // Bytes after a complete response, before the next request: the server broke framing.
    if (at < buf.length) this.keepAlive = false;
  }

  /** Up to `left` body bytes from buf[at] to onBody; `next` once they are all through. Returns the new position. */
  private passBody(buf: Buffer, at: number, events: ParserEvents, next: State): number {
    const take = Math.min(this.left, buf.length - at);
    events.onBody(buf.subarray(at, at + take));
    this.left -= take;
    if (this.left === 0) this.state = next;
    return at + take;
  }

  private keep(buf: Buffer, at: number, what: string): void {
    if (buf.length - at > MAX_LINE) throw new Error(`${what} longer than ${MAX_LINE} bytes`);
    this.pending = buf.subarray(at);
  }

  private readHead(head: string): void {
    const lines = head.split("\r\n");
    const statusLine = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? "");
    if (!statusLine) throw new Error(`not an HTTP/1.x response: ${JSON.stringify((lines[0] ?? "").slice(0, 80))}`);
    this.status = Number(statusLine[2]);
    this.keepAlive = statusLine[1] === "1";
    let length: number | null = null;
    let chunked = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim().toLowerCase();
      if (name === "content-length") length = Number(value);
      else if (name === "transfer-encoding") chunked = value.split(",").some((v) => v.trim() === "chunked");
      else if (name === "connection") this.keepAlive = value === "keep-alive" || (this.keepAlive && value !== "close");
    }
    if (this.status === 204 || this.status === 304) this.state = "done";
    else if (chunked) this.state = "size";
    else if (length !== null && Number.isSafeInteger(length) && length >= 0) {
      this.left = length;
      this.state = length === 0 ? "done" : "length";
    } else {
      this.state = "close";
      this.endsAtClose = true;
      this.keepAlive = false;
    }
  }
}
