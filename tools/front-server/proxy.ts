import http, { type IncomingMessage, type ServerResponse } from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";

/** Per-hop headers (RFC 9110 §7.6.1): each side of the proxy sets its own. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"]);

export type Upstream = { host: string; port: number };

function forwardedHeaders(req: IncomingMessage): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(key) && value !== undefined) headers[key] = value;
  const remote = req.socket.remoteAddress ?? "";
  headers["x-forwarded-for"] = req.headers["x-forwarded-for"] ? `${req.headers["x-forwarded-for"]}, ${remote}` : remote;
  headers["x-forwarded-proto"] ??= "http";
  headers["x-forwarded-host"] ??= req.headers.host;
  return headers;
}

/** Everything the front server does not serve itself goes to Next unchanged (host kept, keep-alive pool). */
export function createProxy(upstream: Upstream) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  function proxyRequest(req: IncomingMessage, res: ServerResponse): void {
    const out = http.request({ host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers: forwardedHeaders(req), agent }, (upRes) => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const [key, value] of Object.entries(upRes.headers)) if (!HOP_BY_HOP.has(key) && value !== undefined) headers[key] = value;
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, headers);
      upRes.pipe(res);
    });
    out.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end("Bad gateway: the app server did not answer");
      else res.destroy();
    });
    // A client that leaves stops the upstream request too (Next then sees its own disconnect).
    res.on("close", () => {
      if (!res.writableFinished) out.destroy();
    });
    req.pipe(out);
  }

  /** WebSocket upgrades (next dev's HMR): the raw request head, then bytes both ways. */
  function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const upstreamSocket = net.connect(upstream.port, upstream.host, () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstreamSocket.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length > 0) upstreamSocket.write(head);
      upstreamSocket.pipe(socket).pipe(upstreamSocket);
    });
    upstreamSocket.on("error", () => socket.destroy());
    socket.on("error", () => upstreamSocket.destroy());
  }

  return { proxyRequest, proxyUpgrade, close: () => agent.destroy() };
}
