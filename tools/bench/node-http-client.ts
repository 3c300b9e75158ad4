/**
 * Benchmark HTTP client on node:http with a keep-alive Agent. The default transport: measured
 * faster than fetch (undici) for these small requests, see tools/bench/README.md.
 */
import http from "node:http";
import https from "node:https";
import {
  HttpStatusError,
  IncompleteStreamError,
  type BenchHttpClient,
  type HttpClientOptions,
  type JsonResponse,
  type RequestOptions,
  type SseResponse,
} from "./http-types";
import { SseReader } from "./sse-reader";

export function createNodeHttpClient(options: HttpClientOptions = {}): BenchHttpClient {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 256, scheduling: "lifo" as const };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  const timeoutMs = options.timeoutMs ?? 30_000;

  /** Send the request; calls onResponse with the response, rejects on network errors/timeouts. */
  function send<T>(
    url: string,
    body: unknown,
    requestOptions: RequestOptions | undefined,
    onResponse: (res: http.IncomingMessage, startMs: number, resolve: (value: T) => void, reject: (error: Error) => void) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const payload = JSON.stringify(body);
      const target = new URL(url);
      const isHttps = target.protocol === "https:";
      const startMs = performance.now();
      const req = (isHttps ? https : http).request(target, {
        method: "POST",
        agent: isHttps ? agents.https : agents.http,
        headers: {
          ...options.headers,
          ...requestOptions?.headers,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
        },
        signal: requestOptions?.signal,
      });
      // A whole-exchange deadline: socket idle timeouts would not catch a slow trickle.
      const timer = setTimeout(() => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)), timeoutMs);
      const settle = {
        resolve: (value: T) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      req.on("error", settle.reject);
      req.on("response", (res) => {
        // A server that closes mid-body surfaces as an 'error' (ECONNRESET) or a 'close' without 'end'.
        res.on("error", (error) => settle.reject(new IncompleteStreamError(`response interrupted: ${error.message}`)));
        res.on("close", () => {
          if (!res.complete) settle.reject(new IncompleteStreamError("connection closed before the response ended"));
        });
        onResponse(res, startMs, settle.resolve, settle.reject);
      });
      req.end(payload);
    });
  }

  return {
    postJson(url, body, requestOptions) {
      return send<JsonResponse>(url, body, requestOptions, (res, startMs, resolve, reject) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) return reject(new HttpStatusError(status, text));
          try {
            resolve({ status, body: JSON.parse(text) as unknown, ms: performance.now() - startMs });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      });
    },

    postSse(url, body, requestOptions) {
      return send<SseResponse>(url, body, requestOptions, (res, startMs, resolve, reject) => {
        const status = res.statusCode ?? 0;
        const reader = new SseReader();
        const errorChunks: string[] = [];
        res.setEncoding("utf8");
        res.on("data", (text: string) => (status >= 200 && status < 300 ? reader.feed(text) : errorChunks.push(text)));
        res.on("end", () => {
          if (status < 200 || status >= 300) return reject(new HttpStatusError(status, errorChunks.join("")));
          try {
            resolve(reader.result(status, startMs));
          } catch (error) {
            reject(error as Error);
          }
        });
      });
    },

    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
