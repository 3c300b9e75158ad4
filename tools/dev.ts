/**
 * `npm run dev` / `npm start`: the zero-account sandbox. Starts whatever stand-ins the environment
 * leaves unconfigured (embedded Postgres, …), applies migrations, then runs Next with the
 * resulting environment. With every key set it starts nothing but Next.
 *
 * With --prod, a front server (tools/front-server) listens on the public port: API-key gateway calls
 * run in this process, everything else is proxied to `next start` on an internal port (see
 * lib/gateway/README.md, "Front server"). --no-front runs Next alone on the public port. `next dev`
 * always runs alone, so edits to the gateway's code hot-reload.
 *
 *   tsx tools/dev.ts [--prod] [--no-front] [--port 3000] [--data .data] [--fresh]
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { runMigrations } from "@/db/migrate";
import { startSandboxServices, type SandboxServices } from "./sandbox";
import { startWorker } from "@/lib/jobs/worker";
import { freePort } from "./free-port";

const { values: args } = parseArgs({
  options: {
    prod: { type: "boolean", default: false },
    port: { type: "string", default: process.env.PORT ?? "3000" },
    data: { type: "string", default: ".data" },
    fresh: { type: "boolean", default: false },
    "no-front": { type: "boolean", default: false },
  },
});

for (const file of [".env.local", ".env"]) if (fs.existsSync(file)) process.loadEnvFile(file);

async function main() {
  const port = Number(args.port);
  const dataDir = path.resolve(args.data!);
  if (args.fresh) fs.rmSync(dataDir, { recursive: true, force: true });
  process.env.APP_URL ??= `http://localhost:${port}`;
  process.env.NEXT_TELEMETRY_DISABLED ??= "1";

  const services: SandboxServices = await startSandboxServices({ dataDir, appUrl: process.env.APP_URL });
  Object.assign(process.env, services.env);
  await runMigrations(process.env.DATABASE_URL!);
  for (const line of services.summary) console.log(`  ${line}`);
  // Where the stand-ins listen (ports may be picked at random), for scripts and the e2e run.
  fs.writeFileSync(path.join(dataDir, "sandbox.json"), JSON.stringify({ appUrl: process.env.APP_URL, ...services.env }, null, 2));
  // The background jobs (meter flush, expiry, sweeper, …) run beside the app in the sandbox;
  // production runs them as `npm run worker`.
  const worker = await startWorker();
  console.log("  Worker: pg-boss jobs running");

  const front = args.prod && !args["no-front"];
  let stopFront = async () => {};
  const nextPort = front ? await freePort() : port;
  // Next revokes keys; the front server caches them: Next tells it over NOTIFY (lib/api-keys/key-cache-broadcast.ts).
  const nextEnv = front ? { ...process.env, API_KEY_CACHE_BROADCAST: "1" } : process.env;
  const nextBin = path.join("node_modules", ".bin", "next");
  const child = spawn(nextBin, [args.prod ? "start" : "dev", "-p", String(nextPort), ...(front ? ["-H", "127.0.0.1"] : [])], { stdio: "inherit", env: nextEnv });
  if (front) {
    // Imported here so `npm run dev` never loads the route modules outside Next.
    const { startFrontServer, stopFrontServer } = await import("./front-server/start");
    const server = await startFrontServer({ port, nextPort });
    stopFront = () => stopFrontServer(server);
    console.log(`  Front server: :${port} (API-key gateway calls in process), Next on 127.0.0.1:${nextPort}`);
  }

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    child.kill("SIGTERM");
    await stopFront().catch(() => {});
    await worker.stop().catch(() => {});
    await services.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  child.on("exit", (code) => void stop(code ?? 0));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
