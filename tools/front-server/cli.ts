/**
 * The front server alone, in front of an already running Next (the gateway benchmark spawns it so
 * its CPU is counted apart): tsx tools/front-server/cli.ts --port 3000 --next-port 3001
 */
import { parseArgs } from "node:util";
import { startFrontServer, stopFrontServer } from "./start";

const { values } = parseArgs({ options: { port: { type: "string" }, "next-port": { type: "string" } } });

startFrontServer({ port: Number(values.port), nextPort: Number(values["next-port"]) })
  .then((server) => {
    console.log(`front server on :${values.port}, Next on :${values["next-port"]}`);
    const stop = () => void stopFrontServer(server).finally(() => process.exit(0));
    process.once("SIGTERM", stop).once("SIGINT", stop);
  })
  .catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
