import type { IncomingMessage, ServerResponse } from "node:http";
import { pushedBodyOf, rawBodyOf, type TextPushSource } from "@/lib/gateway/respond";
import { NodeBackedRequest } from "./node-request";

/**
 * node:http → what the gateway's route handlers read of a `Request` (./node-request.ts): the body
 * is read whole (completion bodies are small JSON), and the client's disconnect aborts the
 * request's signal (the gateway then aborts the upstream call and bills what was streamed).
 */
export async function toWebRequest(req: IncomingMessage, res: ServerResponse): Promise<Request> {
  const controller = new AbortController();
  // 'close' after the response finished is a normal end, not an abort.
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const method = req.method ?? "GET";
  const body = method !== "GET" && method !== "HEAD" ? await readBody(req) : null;
  const request = new NodeBackedRequest(method, `http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, req.headers, body, controller.signal);
  return request as unknown as Request;
}

/**
 * The whole body, read with plain 'data'/'end' listeners: `for await` over the request builds an
 * async iterator and an end-of-stream watcher per request (≈ 1.5 % of the front server's CPU per
 * metered call, profiled).
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once("error", reject);
    // A client that leaves mid-body: 'end' never comes.
    req.once("close", () => {
      if (!req.complete) reject(new Error("client closed the connection before sending the whole body"));
    });
  });
}

/**
 * Writes status, headers (every set-cookie kept) and the body. A body the gateway built from a
 * string (lib/gateway/respond.ts, textResponse) goes out whole with its length, in one write. A
 * streamed body goes out as it is produced, but coalesced per event-loop turn: what the handler
 * enqueues in one turn (an upstream read's events; the usage chunk, [DONE] and the end) leaves in
 * one writev instead of one syscall each, and the head rides with the first chunk — or on its own
 * one turn later when no chunk is ready, so an SSE client still sees headers at once.
 */
export async function writeWebResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key !== "set-cookie") headers[key] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  const raw = rawBodyOf(response);
  if (raw !== undefined) {
    headers["content-length"] = String(Buffer.byteLength(raw));
    res.writeHead(response.status, headers).end(raw);
    return;
  }
  const pushed = pushedBodyOf(response);
  const stream = response.body;
  if (!pushed && !stream) {
    res.writeHead(response.status, headers).end();
    return;
  }
  res.writeHead(response.status, headers);
  const corkUntilNextTurn = corkerFor(res);
  corkUntilNextTurn(); // the head waits at most one turn for the first chunk
  return pushed ? writePushed(pushed, res, corkUntilNextTurn) : writeStream(stream!, res, corkUntilNextTurn);
}

/** A web stream body, chunk by chunk with backpressure; cancelled when the client disconnects. */
async function writeStream(stream: ReadableStream<Uint8Array>, res: ServerResponse, corkUntilNextTurn: () => void): Promise<void> {
  const reader = stream.getReader();
  const onClose = () => void reader.cancel().catch(() => {});
  res.once("close", onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) break;
      corkUntilNextTurn();
      if (!res.write(value)) await new Promise<void>((resolve) => res.once("drain", resolve).once("close", resolve));
    }
  } catch {
    // The stream failed or was cancelled by the disconnect: nothing more to send.
  } finally {
    res.off("close", onClose);
    if (!res.destroyed) res.end();
  }
}

/** Coalesces what is written in one event-loop turn into one writev (see writeWebResponse). */
function corkerFor(res: ServerResponse): () => void {
  let corked = false;
  return () => {
    if (corked) return;
    corked = true;
    res.cork();
    setImmediate(() => {
      corked = false;
      if (!res.headersSent && !res.destroyed) res.flushHeaders();
      res.uncork();
    });
  };
}

/**
 * A pushed body (lib/gateway/respond.ts, pushedTextResponse): each piece straight to the socket as
 * the source produces it. The source is always started — one whose client already left is then
 * cancelled, so it still settles what it holds (a stream bills what was generated) — and
 * cancelled when the client disconnects before it closed.
 */
function writePushed(source: TextPushSource, res: ServerResponse, corkUntilNextTurn: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let ended = false;
    const finish = () => {
      if (ended) return;
      ended = true;
      res.off("close", onClose);
      resolve();
    };
    const onClose = () => {
      if (ended) return;
      finish();
      source.cancel();
    };
    const end = () => {
      if (ended) return;
      finish();
      if (!res.destroyed) res.end();
    };
    res.once("close", onClose);
    // No backpressure: what is pushed is buffered by the socket, as the web stream buffered it
    // before; a completion is bounded by its max tokens.
    source.start({
      write: (text) => {
        if (ended || res.destroyed) throw new Error("client disconnected");
        corkUntilNextTurn();
        res.write(text);
      },
      close: end,
      error: end, // the head is out: the client sees the body end early (a stream then lacks [DONE])
    });
    if (res.destroyed) onClose();
  });
}
