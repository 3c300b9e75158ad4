/** Small node:http helpers: bounded body reading and JSON / error responses. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpError } from "./errors";

export class BodyTooLargeError extends Error {}

/**
 * Read the whole body as UTF-8. Past `limitBytes` it rejects with BodyTooLargeError and drains
 * the rest unbuffered, so the caller can still answer 413 on the open connection.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) return void chunks.push(chunk);
      req.off("data", onData);
      req.resume();
      reject(new BodyTooLargeError());
    };
    req.on("data", onData);
    req.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
    // A client that disconnects mid-body never sends 'end'; settle so nothing waits forever.
    req.on("close", () => {
      if (!req.complete) reject(new Error("client closed the connection before sending the whole body"));
    });
  });
}

export function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  if (res.headersSent || res.destroyed) return;
  sendJson(res, error.status, JSON.stringify(error.body), error.headers);
}
