/** Public API of the benchmark toolkit. */
export { runLoad, type LoadOptions, type LoadResult } from "./run-load";
export { percentile } from "./percentile";
export { printTable, formatTable, type TableRow, type TableCell } from "./print-table";
export { createNodeHttpClient } from "./node-http-client";
export { createFetchClient } from "./fetch-client";
export { createRawHttpClient } from "./raw-http-client";
export {
  HttpStatusError,
  IncompleteStreamError,
  type BenchHttpClient,
  type HttpClientOptions,
  type RequestOptions,
  type JsonResponse,
  type SseResponse,
} from "./http-types";
export { SseReader } from "./sse-reader";

import { createFetchClient } from "./fetch-client";
import { createNodeHttpClient } from "./node-http-client";
import { createRawHttpClient } from "./raw-http-client";
import type { BenchHttpClient, HttpClientOptions } from "./http-types";

export const TRANSPORTS = ["raw", "node", "fetch"] as const;
export type Transport = (typeof TRANSPORTS)[number];

/**
 * A client on the given transport; by default the leanest as measured on this project's machine
 * (raw keep-alive sockets; see README.md: the load generator shares the cores it measures).
 */
export function createHttpClient(options: HttpClientOptions = {}, transport: Transport = "raw"): BenchHttpClient {
  if (transport === "node") return createNodeHttpClient(options);
  if (transport === "fetch") return createFetchClient(options);
  return createRawHttpClient(options);
}

/** BENCH_TRANSPORT's value as a transport: raw (default), node or fetch. */
export function transportFromEnv(value = process.env.BENCH_TRANSPORT): Transport {
  const transport = value ?? "raw";
  if (!(TRANSPORTS as readonly string[]).includes(transport)) throw new Error(`BENCH_TRANSPORT must be one of ${TRANSPORTS.join(", ")}, got ${transport}`);
  return transport as Transport;
}
