import type http from "node:http";
import { getDbHandle } from "@/db/client";
import { listenForApiKeyForgets } from "@/lib/api-keys/key-cache";
import { gatewayRoutes } from "./gateway-routes";
import { createFrontServer } from "./server";

/**
 * Listens on `port` and serves API-key gateway calls in this process, the rest via Next on
 * `nextPort`. Resolves once listening and subscribed to the API-key cache's forgets (so a key
 * revoked through Next stops working here as soon as the NOTIFY arrives, not after the cache TTL).
 */
export async function startFrontServer(options: { port: number; host?: string; nextPort: number }): Promise<http.Server> {
  await listenForApiKeyForgets(getDbHandle().sql);
  const server = createFrontServer({ upstream: { host: "127.0.0.1", port: options.nextPort }, routes: gatewayRoutes });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(options.port, options.host, () => resolve()));
  return server;
}
