import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local HTTP endpoint that records every POST (a Slack incoming webhook stand-in). `failNext`
 * answers the next n requests with 500, to test retries.
 */
export async function startHttpReceiver() {
  const received: { body: string; json: unknown }[] = [];
  let failures = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (failures > 0) {
        failures -= 1;
        res.writeHead(500).end("boom");
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        /* not JSON */
      }
      received.push({ body, json });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack`;
  return {
    url,
    received,
    failNext(n: number) {
      failures = n;
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
