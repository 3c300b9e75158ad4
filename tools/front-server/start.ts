import type http from "node:http";
import { getDbHandle } from "@/db/client";
import { listenForApiKeyForgets } from "@/lib/api-keys/key-cache";
import { drainHoldPools } from "@/lib/gateway/hold-pool";
import { drainSettlements } from "@/lib/gateway/settle-behind";
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

/**
 * Stops taking requests, lets the ones in flight finish, then waits for the captures still
 * committing behind answers already sent (lib/gateway/settle-behind.ts), so a restart charges them
 * instead of leaving their holds to the sweeper.
 */
export async function stopFrontServer(server: http.Server, timeoutMs = 10_000): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, timeoutMs).unref();
  });
  const left = await drainSettlements(timeoutMs);
  if (left > 0) console.error(`front server: ${left} capture(s) still committing at shutdown; the sweeper releases their holds`);
  // After the captures (whose top-ups could place more): every hold placed ahead goes back now.
  await drainHoldPools();
}
