/**
 * Benchmark HTTP client on Node's built-in fetch (undici). Same contract as the node:http
 * client; kept so the two transports can be compared (`BENCH_TRANSPORT=fetch`).
 */
import {
  HttpStatusError,
  IncompleteStreamError,
  type BenchHttpClient,
  type HttpClientOptions,
  type RequestOptions,
} from "./http-types";
import { SseReader } from "./sse-reader";

export function createFetchClient(options: HttpClientOptions = {}): BenchHttpClient {
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function post(url: string, body: unknown, requestOptions: RequestOptions | undefined) {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = requestOptions?.signal ? AbortSignal.any([timeout, requestOptions.signal]) : timeout;
    const startMs = performance.now();
    const response = await fetch(url, {
      method: "POST",
      headers: { ...options.headers, ...requestOptions?.headers, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
    if (!response.ok) throw new HttpStatusError(response.status, await response.text());
    return { response, startMs };
  }

  return {
    async postJson(url, body, requestOptions) {
      const { response, startMs } = await post(url, body, requestOptions);
      const parsed = (await response.json()) as unknown;
      return { status: response.status, body: parsed, ms: performance.now() - startMs };
    },

    async postSse(url, body, requestOptions) {
      const { response, startMs } = await post(url, body, requestOptions);
      if (!response.body) throw new IncompleteStreamError("response has no body");
      const reader = new SseReader();
      const decoder = new TextDecoder();
      const bodyReader = response.body.getReader();
      for (let read = await bodyReader.read(); !read.done; read = await bodyReader.read()) {
        reader.feed(decoder.decode(read.value, { stream: true }));
      }
      return reader.result(response.status, startMs);
    },

    close() {
      // fetch's global dispatcher owns its pool; nothing of ours to close.
    },
  };
}
