/**
 * Start the mock LLM in a child process, so a benchmark's load generator and the mock don't share
 * one event loop (on a 2-core machine that would halve what either can do).
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

export interface SpawnedMockLlm {
  url: string;
  port: number;
  pid: number | undefined;
  close(): Promise<void>;
}

const CLI_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), "cli.ts");
// tsx's loader, by absolute URL: works whether the parent runs under tsx, vitest or plain node.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const READY_LINE = /mock-llm listening on (http:\/\/\S+)/;

/** Runs cli.ts on `port` (default 0 = free port). Resolves once the server is listening. */
export function spawnMockLlm(options: { port?: number; host?: string; startTimeoutMs?: number } = {}): Promise<SpawnedMockLlm> {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, CLI_PATH], {
    env: { ...process.env, MOCK_LLM_PORT: String(options.port ?? 0), MOCK_LLM_HOST: options.host ?? "127.0.0.1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };

  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`mock-llm did not start within ${options.startTimeoutMs ?? 20_000} ms: ${output}`));
    }, options.startTimeoutMs ?? 20_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`mock-llm exited with code ${code} before listening: ${output}`));
    });
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      output += text;
      const match = READY_LINE.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      const url = match[1];
      resolve({ url, port: Number(new URL(url).port), pid: child.pid, close });
    });
  });
}
