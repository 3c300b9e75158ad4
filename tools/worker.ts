/**
 * `npm run worker`: the background jobs (meter flush, reconciliation, auto-recharge, monthly free
 * credits, grant expiry, stale-hold sweeper) in their own process. Production runs one or more of
 * these next to the app, with the app's environment (DATABASE_URL, STRIPE_SECRET_KEY, …).
 * `npm run dev` starts the same worker inside the sandbox (tools/sandbox.ts).
 */
import fs from "node:fs";
import { startWorker } from "@/lib/jobs/worker";

for (const file of [".env.local", ".env"]) if (fs.existsSync(file)) process.loadEnvFile(file);

async function main() {
  const worker = await startWorker();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await worker.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
