/** What the benchmark HTTP clients return and throw, independent of the transport underneath. */

export interface HttpClientOptions {
  /** Sent with every request (e.g. authorization). content-type: application/json is always sent. */
  headers?: Record<string, string>;
  /** Per-request timeout covering the whole response, stream included. Default 30 s. */
  timeoutMs?: number;
  /** Upper bound on open keep-alive connections per origin. Default 256. */
  maxSockets?: number;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface JsonResponse {
  status: number;
  body: unknown;
  /** Time from sending the request to the end of the body. */
  ms: number;
}

export interface SseResponse {
  status: number;
  /** `data:` events received, including the final [DONE]. */
  events: number;
  /** Whether `data: [DONE]` arrived. */
  done: boolean;
  /** Payload of the last event before [DONE], e.g. the usage chunk; parse with JSON.parse. */
  lastData: string | undefined;
  /** Time to the first complete event (a stand-in for time-to-first-token). */
  firstEventMs: number;
  /** Time to the end of the stream. */
  ms: number;
}

export interface BenchHttpClient {
  /** POST JSON and read the JSON answer. Throws HttpStatusError on a non-2xx status. */
  postJson(url: string, body: unknown, options?: RequestOptions): Promise<JsonResponse>;
  /** POST JSON and consume the SSE answer to the end. Throws IncompleteStreamError without [DONE]. */
  postSse(url: string, body: unknown, options?: RequestOptions): Promise<SseResponse>;
  /** Close idle keep-alive connections. */
  close(): void;
}

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}: ${body.slice(0, 200)}`);
  }
}

export class IncompleteStreamError extends Error {}
