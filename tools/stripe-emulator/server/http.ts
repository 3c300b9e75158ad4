import type { IncomingMessage, ServerResponse } from "node:http";
import type { Emulator } from "../core";
import { newId } from "../state/ids";
import { lookupById } from "../state/store";
import { checkAcceptedParams } from "./acceptedParams";
import { authenticate } from "./auth";
import { StripeApiError, unrecognizedUrl } from "./errors";
import { expandPaths } from "./expand";
import { parseFormEncoded } from "./form";
import { fingerprint, remember, replayIfSeen } from "./idempotency";
import { Params } from "./params";
import type { Router } from "./router";

export type SideHandler = (req: IncomingMessage, res: ServerResponse, url: URL, body: string) => Promise<boolean>;

export interface HttpDeps {
  emu: () => Emulator;
  router: Router;
  /** Fields only present when expanded (e.g. checkout `line_items`). */
  include: (emu: Emulator, object: Record<string, unknown>, field: string) => unknown;
  /** Runs before every API call (due renewals for real-time customers). */
  beforeApi: (emu: Emulator) => void;
  /** Hosted pages and the control API; each returns true when it handled the request. */
  sideHandlers: SideHandler[];
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function createRequestListener(deps: HttpDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const url = new URL(req.url ?? "/", "http://emulator.local");
      const body = await readBody(req);
      if (url.pathname.startsWith("/v1/")) {
        handleApi(deps, req, res, url, body);
        return;
      }
      for (const handler of deps.sideHandlers) {
        if (await handler(req, res, url, body)) return;
      }
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("Not found (Stripe sandbox emulator)");
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      res.end(`Stripe emulator internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}

function handleApi(deps: HttpDeps, req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
  const emu = deps.emu();
  const method = (req.method ?? "GET").toUpperCase();
  const requestId = newId("req");
  const rawKey = req.headers["idempotency-key"];
  const idempotencyKey = typeof rawKey === "string" && rawKey !== "" ? rawKey : null;
  const headers: Record<string, string> = { "Request-Id": requestId, "Stripe-Version": String(req.headers["stripe-version"] ?? "") };
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;

  const outage = emu.outageStatus();
  if (outage !== null) {
    const error = {
      type: "api_error",
      message: outage === 503 ? "Stripe is temporarily unavailable (emulated outage)." : "An unknown error occurred (emulated outage).",
    };
    sendJson(res, outage, JSON.stringify({ error }, null, 2), headers);
    return;
  }

  let scope = "";
  let print = "";
  try {
    scope = authenticate(req);
    const formText = method === "POST" ? body : url.search.slice(1);
    const params = new Params(parseFormEncoded(formText));
    if (method === "POST" && idempotencyKey) {
      print = fingerprint(method, url.pathname, body);
      const cached = replayIfSeen(emu.state, scope, idempotencyKey, method, url.pathname, print);
      if (cached) {
        sendJson(res, cached.status, cached.body, { ...headers, "Idempotent-Replayed": "true" });
        return;
      }
    }
    const match = deps.router.match(method, url.pathname);
    if (match === null || "methodNotAllowed" in match) throw unrecognizedUrl(method, url.pathname);
    checkAcceptedParams(method, match.route.pattern, params.raw);

    deps.beforeApi(emu);
    // Card declines are kept: the failed charge and its events are real.
    const keepOnError = (err: unknown) => err instanceof StripeApiError && err.statusCode === 402;
    const result = emu.atomically(method === "GET" ? null : { id: requestId, idempotencyKey }, keepOnError, () => {
      const output = match.route.handler({ emu, params, path: match.path, requestId });
      const expand = params.expand();
      if (expand.length === 0) return output;
      return expandPaths(output, expand, {
        lookup: (id) => lookupById(emu.state, id),
        include: (object, field) => deps.include(emu, object, field),
      });
    });
    const text = JSON.stringify(result, null, 2);
    if (method === "POST" && idempotencyKey) remember(emu.state, scope, idempotencyKey, method, url.pathname, print, { status: 200, body: text });
    emu.persist();
    sendJson(res, 200, text, headers);
  } catch (err) {
    if (err instanceof StripeApiError) {
      const text = JSON.stringify({ error: { ...err.body, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` } }, null, 2);
      // Card declines happened (a charge exists), so Stripe replays them too;
      // validation failures never started executing and are not saved.
      if (method === "POST" && idempotencyKey && err.statusCode === 402) {
        remember(emu.state, scope, idempotencyKey, method, url.pathname, print, { status: 402, body: text });
      }
      emu.persist();
      sendJson(res, err.statusCode, text, headers);
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    sendJson(res, 500, JSON.stringify({ error: { type: "api_error", message: `Emulator bug: ${message}` } }, null, 2), headers);
  }
}
