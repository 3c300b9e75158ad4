import { getEnv } from "./env";

/**
 * The one place that decides, for each outside service, whether the real one or its local
 * stand-in is used. Nothing else reads the keys to make that choice.
 */
export type Integrations = {
  database: { mode: "external" | "embedded"; url: string };
  auth: { mode: "clerk" | "local" };
  stripe: { mode: "stripe" | "emulator" };
  llm: { mode: "upstream" | "mock" };
  email: { mode: "smtp" | "outbox" };
};

export function embeddedDatabaseUrl(port: number): string {
  return `postgres://postgres:postgres@127.0.0.1:${port}/meterline`;
}

export function getIntegrations(): Integrations {
  const env = getEnv();
  return {
    database: env.DATABASE_URL
      ? { mode: "external", url: env.DATABASE_URL }
      : { mode: "embedded", url: embeddedDatabaseUrl(env.EMBEDDED_PG_PORT) },
    auth: { mode: env.CLERK_SECRET_KEY && env.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY ? "clerk" : "local" },
    stripe: { mode: env.STRIPE_SECRET_KEY && !env.STRIPE_EMULATOR_URL ? "stripe" : "emulator" },
    llm: { mode: env.LLM_BASE_URL ? "upstream" : "mock" },
    email: { mode: env.SMTP_URL ? "smtp" : "outbox" },
  };
}
