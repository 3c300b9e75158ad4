/**
 * Run the mock LLM standalone: `npm run mock-llm`.
 * Env: MOCK_LLM_PORT (default 12112, 0 = free port), MOCK_LLM_HOST (default 127.0.0.1).
 * Prints one line "mock-llm listening on <url>" that scripts can wait for.
 */
import { startMockLlm } from "./server";

const DEFAULT_PORT = 12112;

function portFromEnv(): number {
  const raw = process.env.MOCK_LLM_PORT;
  if (raw === undefined || raw === "") return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`MOCK_LLM_PORT must be a port number, got "${raw}"`);
  return port;
}

async function main(): Promise<void> {
  const mock = await startMockLlm({ port: portFromEnv(), host: process.env.MOCK_LLM_HOST || "127.0.0.1" });
  console.log(`mock-llm listening on ${mock.url}`);
  const shutdown = () => {
    mock.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
