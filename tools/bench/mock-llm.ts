/**
 * `npm run bench:mock`: throughput and latency of the mock LLM alone, non-streaming and
 * streaming, at several client counts. The mock runs in its own process (see spawnMockLlm).
 *
 * Env: BENCH_DURATION_MS (per run, default 3000), BENCH_CONCURRENCY (default "1,8,32,64"),
 * BENCH_TRANSPORT = raw | node | fetch | all (default raw), BENCH_IN_PROCESS=1 to run the mock in
 * this process instead.
 */
import { spawnMockLlm, startMockLlm } from "../mock-llm";
import { createHttpClient, printTable, runLoad, TRANSPORTS, transportFromEnv, type TableRow } from "./index";

const durationMs = Number(process.env.BENCH_DURATION_MS ?? 3000);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? "1,8,32,64").split(",").map(Number);
const transports = process.env.BENCH_TRANSPORT === "all" ? TRANSPORTS : [transportFromEnv()];

const HEADERS = { authorization: "Bearer bench" };

// A handful of distinct prompts, like real traffic; each reply is 20–60 tokens.
const PROMPTS = Array.from({ length: 16 }, (_, i) => `Benchmark prompt ${i}: summarise usage for account ${i * 17}.`);

function requestBody(i: number, stream: boolean) {
  return {
    model: "mock-small",
    messages: [{ role: "user", content: PROMPTS[i % PROMPTS.length] ?? "" }],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

async function main(): Promise<void> {
  const mock = process.env.BENCH_IN_PROCESS === "1" ? await startMockLlm() : await spawnMockLlm();
  const endpoint = `${mock.url}/chat/completions`;
  console.log(`mock-llm at ${mock.url} (${process.env.BENCH_IN_PROCESS === "1" ? "in process" : "child process"}), ${durationMs} ms per run\n`);

  const rows: TableRow[] = [];
  try {
    for (const transport of transports) {
      const client = createHttpClient({ headers: HEADERS }, transport);
      // Warm-up: JIT, connection pools, the mock's prompt cache.
      await runLoad({ concurrency: 8, durationMs: 500, makeRequest: (i) => client.postJson(endpoint, requestBody(i, false)).then(() => undefined) });
      for (const stream of [false, true]) {
        for (const concurrency of concurrencies) {
          const result = await runLoad({
            concurrency,
            durationMs,
            makeRequest: async (i, signal) => {
              if (stream) await client.postSse(endpoint, requestBody(i, true), { signal });
              else await client.postJson(endpoint, requestBody(i, false), { signal });
            },
          });
          rows.push({
            transport,
            mode: stream ? "stream" : "json",
            clients: concurrency,
            requests: result.requests,
            errors: result.errors,
            "req/s": result.rps,
            "p50 ms": result.p50Ms,
            "p99 ms": result.p99Ms,
            "max ms": result.maxMs,
          });
          if (result.errorSamples.length > 0) console.error("errors:", result.errorSamples);
        }
      }
      client.close();
    }
  } finally {
    await mock.close();
  }
  printTable(rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
