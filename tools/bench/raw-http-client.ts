/**
 * Benchmark HTTP/1.1 client on raw keep-alive TCP sockets: each request is one prebuilt string
 * written in one call, and the answer is read with a small parser (status line, content-length or
 * chunked body). The default transport of `bench:gateway`, because the load generator shares this
 * machine's two cores with what it measures: node:http spends ≈ 0.5 ms of CPU per gateway request
 * (ClientRequest, agent, header objects, the full parser), as much as the gateway's own front
 * server; this client a fraction of that (tools/bench/README.md has the figures). It speaks only
 * what the benchmarks need: plain http, POST with a JSON body, no redirects, no 1xx, no trailers.
 */
import net from "node:net";
import { StringDecoder } from "node:string_decoder";
import {
  HttpStatusError,
  IncompleteStreamError,
  type BenchHttpClient,
  type HttpClientOptions,
  type JsonResponse,
  type RequestOptions,
  type SseResponse,
} from "./http-types";
import { HttpResponseParser, type ParserEvents } from "./http-response-parser";
import { SseReader } from "./sse-reader";

type Target = { key: string; host: string; port: number; path: string; hostHeader: string };

/** What one request does with the body as it arrives, and what it resolves with. */
type BodySink<T> = ParserEvents & { onEnd: () => T };

export function createRawHttpClient(options: HttpClientOptions = {}): BenchHttpClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxSockets = options.maxSockets ?? 256;
  const fixedHeaders = headerLines(options.headers);
  const targets = new Map<string, Target>();
  const idle = new Map<string, net.Socket[]>();
  const open = new Map<string, number>();
  let closed = false;

  function targetOf(url: string): Target {
    let target = targets.get(url);
    if (!target) {
      const u = new URL(url);
      if (u.protocol !== "http:") throw new Error(`the raw client speaks plain http only, not ${u.protocol}`);
      const port = Number(u.port || 80);
      target = { key: `${u.hostname}:${port}`, host: u.hostname, port, path: `${u.pathname}${u.search}`, hostHeader: u.host };
      targets.set(url, target);
    }
    return target;
  }

  function takeSocket(target: Target): net.Socket {
    const pool = idle.get(target.key);
    const reused = pool?.pop();
    if (reused) return reused;
    const count = open.get(target.key) ?? 0;
    if (count >= maxSockets) throw new Error(`more than ${maxSockets} requests in flight to ${target.key}`);
    open.set(target.key, count + 1);
    const socket = net.connect({ host: target.host, port: target.port, noDelay: true });
    socket.once("close", () => {
      open.set(target.key, (open.get(target.key) ?? 1) - 1);
      const list = idle.get(target.key);
      const at = list?.indexOf(socket) ?? -1;
      if (list && at >= 0) list.splice(at, 1);
    });
    // An idle socket the server closes must not crash the process; a busy one reports through its request.
    socket.on("error", () => {});
    return socket;
  }

  function giveBack(target: Target, socket: net.Socket): void {
    if (closed || socket.destroyed) return void socket.destroy();
    const pool = idle.get(target.key);
    if (pool) pool.push(socket);
    else idle.set(target.key, [socket]);
  }

  function send<T>(url: string, body: unknown, requestOptions: RequestOptions | undefined, sink: BodySink<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (requestOptions?.signal?.aborted) return reject(abortError(requestOptions.signal));
      const target = targetOf(url);
      const payload = JSON.stringify(body);
      const head =
        `POST ${target.path} HTTP/1.1\r\nhost: ${target.hostHeader}\r\n${requestOptions?.headers ? headerLines({ ...options.headers, ...requestOptions.headers }) : fixedHeaders}` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n`;
      let socket: net.Socket;
      try {
        socket = takeSocket(target);
      } catch (error) {
        return reject(error as Error);
      }
      const parser = new HttpResponseParser();
      let settled = false;
      const finish = (error: Error | null, value?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.off("data", onData);
        socket.off("close", onClose);
        socket.off("error", onError);
        requestOptions?.signal?.removeEventListener("abort", onAbort);
        if (error) {
          socket.destroy();
          reject(error);
        } else {
          if (parser.keepAlive) giveBack(target, socket);
          else socket.destroy();
          resolve(value as T);
        }
      };
      const onData = (data: Buffer) => {
        try {
          parser.feed(data, sink);
          if (parser.complete) finish(null, sink.onEnd());
        } catch (error) {
          finish(error instanceof Error ? error : new Error(String(error)));
        }
      };
      const onClose = () => {
        if (parser.status !== 0 && parser.endsAtClose) {
          try {
            return finish(null, sink.onEnd());
          } catch (error) {
            return finish(error instanceof Error ? error : new Error(String(error)));
          }
        }
        finish(new IncompleteStreamError(parser.status === 0 ? "connection closed before the response" : "connection closed before the response ended"));
      };
      const onError = (error: Error) => finish(new IncompleteStreamError(`response interrupted: ${error.message}`));
      const onAbort = () => finish(abortError(requestOptions?.signal));
      // A whole-exchange deadline: socket idle timeouts would not catch a slow trickle.
      const timer = setTimeout(() => finish(new Error(`request timed out after ${timeoutMs} ms`)), timeoutMs);
      socket.on("data", onData);
      socket.once("close", onClose);
      socket.once("error", onError);
      requestOptions?.signal?.addEventListener("abort", onAbort, { once: true });
      socket.write(head + payload);
    });
  }

  return {
    postJson(url, body, requestOptions) {
      const startMs = performance.now();
      const pieces: Buffer[] = [];
      let status = 0;
      return send<JsonResponse>(url, body, requestOptions, {
        onHead: (s) => (status = s),
        onBody: (piece) => pieces.push(piece),
        onEnd: () => {
          const text = Buffer.concat(pieces).toString("utf8");
          if (status < 200 || status >= 300) throw new HttpStatusError(status, text);
          return { status, body: JSON.parse(text) as unknown, ms: performance.now() - startMs };
        },
      });
    },

    postSse(url, body, requestOptions) {
      const startMs = performance.now();
      const reader = new SseReader();
      const decoder = new StringDecoder("utf8");
      const errorText: string[] = [];
      let status = 0;
      const ok = () => status >= 200 && status < 300;
      return send<SseResponse>(url, body, requestOptions, {
        onHead: (s) => (status = s),
        onBody: (piece) => (ok() ? reader.feed(decoder.write(piece)) : errorText.push(decoder.write(piece))),
        onEnd: () => {
          const rest = decoder.end();
          if (!ok()) throw new HttpStatusError(status, errorText.join("") + rest);
          if (rest) reader.feed(rest);
          return reader.result(status, startMs);
        },
      });
    },

    close() {
      closed = true;
      for (const pool of idle.values()) for (const socket of pool.splice(0)) socket.destroy();
    },
  };
}

/** Header lines, one per name whatever its case (a request's own headers override the client's), without host and content-type/length (set per request). */
function headerLines(headers: Record<string, string> | undefined): string {
  const byName = new Map<string, string>();
  if (headers) for (const name in headers) byName.set(name.toLowerCase(), `${name}: ${headers[name]}\r\n`);
  byName.delete("host");
  byName.delete("content-type");
  byName.delete("content-length");
  return [...byName.values()].join("");
}

function abortError(signal: AbortSignal | undefined): Error {
  return signal?.reason instanceof Error ? signal.reason : new Error("request aborted");
}
