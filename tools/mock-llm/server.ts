/**
 * The mock LLM HTTP server: routing, auth, and lifecycle. Plain node:http with long keep-alive,
 * because it sits behind the gateway in benchmarks at hundreds of requests/s.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AttemptTracker } from "./attempt-tracker";
import { handleChatCompletion, type ChatHandlerContext } from "./chat-handler";
import { bodyTooLarge, missingApiKey, notFound } from "./errors";
import { BodyTooLargeError, readBody, sendError, sendJson } from "./http-io";

export interface MockLlmOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Pieces (tokens) per streamed content chunk. Default 1. */
  tokensPerChunk?: number;
  /** How long attempt counts for fail_first are remembered after the last attempt. Default 60 s. */
  fingerprintTtlMs?: number;
  /** Model ids always listed by GET /v1/models. Default mock-small, mock-large. */
  models?: string[];
  /** Largest accepted request body. Default 10 MiB. */
  maxBodyBytes?: number;
}

export interface MockLlmStats {
  /** Every HTTP request received, any route, including rejected ones. */
  requests: number;
  /** POST /v1/chat/completions requests received (before auth/validation). */
  chatCompletions: number;
  /** Attempts per request fingerprint (hash of body + x-mock headers) within the TTL window. */
  attemptsByFingerprint: Record<string, number>;
}

export interface MockLlm {
  /** Base URL for OpenAI clients, e.g. http://127.0.0.1:12112/v1 */
  url: string;
  port: number;
  stats(): MockLlmStats;
  /** Zero the counters and forget fingerprints (fail_first starts over). */
  reset(): void;
  /** Stop listening and destroy open connections, including hung requests. */
  close(): Promise<void>;
}

const DEFAULT_MODELS = ["mock-small", "mock-large"];
// Longer than typical client agents' idle timeouts, so the server never closes a socket a client
// is about to reuse (that race shows up as sporadic ECONNRESET under load).
const KEEP_ALIVE_TIMEOUT_MS = 75_000;

function hasBearerToken(req: IncomingMessage): boolean {
  const header = req.headers.authorization;
  return header !== undefined && /^Bearer\s+\S/i.test(header);
}

export async function startMockLlm(options: MockLlmOptions = {}): Promise<MockLlm> {
  const models = new Set(options.models ?? DEFAULT_MODELS);
  const counters = { requests: 0, chatCompletions: 0 };
  const attempts = new AttemptTracker(options.fingerprintTtlMs ?? 60_000);
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const created = Math.floor(Date.now() / 1000);
  const chat: ChatHandlerContext = {
    attempts,
    tokensPerChunk: Math.max(1, options.tokensPerChunk ?? 1),
    onModel: (model) => {
      // Bounded so a client sending random model names can't grow memory without limit.
      if (!models.has(model) && models.size < 1000) models.add(model);
    },
  };

  const stats = (): MockLlmStats => ({ ...counters, attemptsByFingerprint: attempts.snapshot() });
  const reset = () => {
    counters.requests = 0;
    counters.chatCompletions = 0;
    attempts.clear();
  };

  const modelObject = (id: string) => ({ id, object: "model", created, owned_by: "meterline-mock" });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.requests++;
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const method = req.method ?? "GET";

    // Unauthenticated control endpoints, for tests driving a mock started by the CLI.
    if (path === "/__mock/stats" && method === "GET") return sendJson(res, 200, JSON.stringify(stats()));
    if (path === "/__mock/reset" && method === "POST") {
      reset();
      return sendJson(res, 200, "{}");
    }

    if (!path.startsWith("/v1/")) return sendError(res, notFound(method, path));
    if (method === "POST" && path === "/v1/chat/completions") counters.chatCompletions++;
    if (!hasBearerToken(req)) return sendError(res, missingApiKey());

    if (method === "POST" && path === "/v1/chat/completions") {
      const body = await readBody(req, maxBodyBytes);
      return handleChatCompletion(chat, req, res, body);
    }
    if (method === "GET" && path === "/v1/models") {
      return sendJson(res, 200, JSON.stringify({ object: "list", data: [...models].map(modelObject) }));
    }
    if (method === "GET" && path.startsWith("/v1/models/")) {
      return sendJson(res, 200, JSON.stringify(modelObject(decodeURIComponent(path.slice("/v1/models/".length)))));
    }
    return sendError(res, notFound(method, path));
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof BodyTooLargeError) {
        // Don't keep a connection whose unread remainder we just skipped.
        res.shouldKeepAlive = false;
        return sendError(res, bodyTooLarge(maxBodyBytes));
      }
      if (!res.headersSent) {
        sendJson(res, 500, JSON.stringify({ error: { message: String(error), type: "server_error", param: null, code: null } }));
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}/v1`,
    port: address.port,
    stats,
    reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
