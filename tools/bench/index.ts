/** Public API of the benchmark toolkit. */
export { runLoad, type LoadOptions, type LoadResult } from "./run-load";
export { percentile } from "./percentile";
export { printTable, formatTable, type TableRow, type TableCell } from "./print-table";
export { createNodeHttpClient } from "./node-http-client";
export { createFetchClient } from "./fetch-client";
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

import { createNodeHttpClient } from "./node-http-client";
import type { BenchHttpClient, HttpClientOptions } from "./http-types";

/** The faster transport as measured on this project's machine (node:http keep-alive). */
export function createHttpClient(options: HttpClientOptions = {}): BenchHttpClient {
  return createNodeHttpClient(options);
}
