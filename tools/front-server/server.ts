import http from "node:http";
import { writeTextBodiesFromString } from "@/lib/gateway/respond";
import { createProxy, type Upstream } from "./proxy";
import { toWebRequest, writeWebResponse } from "./web-adapter";

export type RouteHandler = (req: Request, route?: { params: Promise<Record<string, string>> }) => Promise<Response>;
/** One in-process route: exact path or a single trailing `:param` segment. */
export type FrontRoute = { method: string; path: string; handler: RouteHandler };

/** Marks responses the front server produced itself (tests and curl can tell the two paths apart). */
export const SERVED_BY_HEADER = "x-served-by";

function matchRoute(routes: FrontRoute[], method: string, pathname: string): { route: FrontRoute; params: Record<string, string> } | null {
  for (const route of routes) {
    if (route.method !== method) continue;
    if (route.path === pathname) return { route, params: {} };
    const colon = route.path.indexOf("/:");
    if (colon < 0) continue;
    const prefix = route.path.slice(0, colon + 1);
    const rest = pathname.slice(prefix.length);
    if (pathname.startsWith(prefix) && rest.length > 0 && !rest.includes("/")) return { route, params: { [route.path.slice(colon + 2)]: decodeURIComponent(rest) } };
  }
  return null;
}

/**
 * The public listener in front of Next (`npm start`): API-key calls to the gateway's routes run here,
 * in this process, through the same route handlers Next would run — skipping Next's router, its
 * request/response conversion and the proxy.ts middleware, most of a metered call's app CPU. Every
 * other request (pages, session calls such as the playground, the rest of the API) is proxied to Next.
 */
export function createFrontServer(options: { upstream: Upstream; routes: FrontRoute[] }): http.Server {
  writeTextBodiesFromString(); // writeWebResponse sends textResponse bodies from their string
  const proxy = createProxy(options.upstream);
  const server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const match = req.headers.authorization !== undefined ? matchRoute(options.routes, req.method ?? "GET", q < 0 ? url : url.slice(0, q)) : null;
    if (!match) return proxy.proxyRequest(req, res);
    res.setHeader(SERVED_BY_HEADER, "front");
    void (async () => {
      const request = await toWebRequest(req, res);
      const response = await match.route.handler(request, { params: Promise.resolve(match.params) });
      await writeWebResponse(response, res);
    })().catch((e: unknown) => {
      // The handlers answer their own errors; this is the adapter failing (e.g. the client left mid-body).
      console.error("front-server: request failed", e);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "Internal error", type: "server_error" } }));
      else res.destroy();
    });
  });
  server.on("upgrade", proxy.proxyUpgrade);
  server.on("close", proxy.close);
  server.keepAliveTimeout = 65_000;
  return server;
}
