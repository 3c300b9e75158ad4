import type { IncomingHttpHeaders } from "node:http";

/**
 * The part of a web `Request` the gateway's route handlers read — `headers.get/has` (and
 * iteration), `json()`, `text()`, `arrayBuffer()`, `signal`, `method`, `url` — served straight from
 * the node request, without building undici's Headers and Request and reading the body back
 * through a web stream (≈ 60 µs per request measured warm on this project's machine, several
 * times that at one client, where every process wakes on cold caches). The front server only hands
 * it to the four gateway handlers (./gateway-routes.ts), whose tests run through it
 * (./test/front-server.test.ts); anything else a handler reached for would be undefined there.
 */
export class NodeBackedRequest {
  readonly headers: HeadersView;
  private used = false;

  constructor(
    readonly method: string,
    readonly url: string,
    headers: IncomingHttpHeaders,
    private readonly body: Buffer | null,
    readonly signal: AbortSignal,
  ) {
    this.headers = new HeadersView(headers);
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  async text(): Promise<string> {
    return this.consume().toString("utf8");
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.consume().toString("utf8"));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.consume();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }

  /** Like a Request's body: readable once (a second read is a TypeError, as with fetch). */
  private consume(): Buffer {
    if (this.used) throw new TypeError("Body has already been read");
    this.used = true;
    return this.body ?? Buffer.alloc(0);
  }
}

/** Read-only Headers over node's lower-cased header object; repeated headers joined with ", " as fetch does. */
class HeadersView {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    if (v === undefined) return null;
    return Array.isArray(v) ? v.join(", ") : v;
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }

  *entries(): IterableIterator<[string, string]> {
    for (const key of Object.keys(this.raw).sort()) {
      const v = this.get(key);
      if (v !== null) yield [key, v];
    }
  }

  keys(): IterableIterator<string> {
    return [...this.entries()].map(([k]) => k)[Symbol.iterator]();
  }

  values(): IterableIterator<string> {
    return [...this.entries()].map(([, v]) => v)[Symbol.iterator]();
  }

  forEach(callback: (value: string, key: string) => void): void {
    for (const [k, v] of this.entries()) callback(v, k);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}
