import { z } from "zod";

/**
 * The whole environment, validated once. Every integration is optional: when its keys are
 * missing the sandbox stand-in is used instead (see ./integrations.ts, the one place that decides).
 */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== "" ? v.trim() : undefined));

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  APP_URL: z.string().url().default("http://localhost:3000"),

  // Postgres: unset → the embedded Postgres started by `npm run dev` on EMBEDDED_PG_PORT.
  DATABASE_URL: optionalString,
  EMBEDDED_PG_PORT: z.coerce.number().int().positive().default(54329),
  DATABASE_POOL_MAX: z.coerce.number().int().positive().default(10),
  // Ledger calls (each a batch of holds/captures/releases) one app process keeps in flight at once;
  // see lib/ledger/holds.ts. 2 measured best with Postgres on the app's own 2 cores; a Postgres with
  // more cores, or across a network, may want more.
  LEDGER_MAX_INFLIGHT: z.coerce.number().int().min(1).max(64).default(2),

  // Clerk: both keys set → Clerk sign-in; otherwise local email + password.
  NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: optionalString,
  CLERK_SECRET_KEY: optionalString,
  CLERK_WEBHOOK_SIGNING_SECRET: optionalString,

  // Comma-separated emails of platform admins.
  ADMIN_EMAILS: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((e) => e.trim().toLowerCase())
        .filter(Boolean),
    ),

  // Stripe: unset → the local Stripe emulator (tools/stripe-emulator).
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  STRIPE_EMULATOR_URL: optionalString,
  // Test mode only: "1" puts every new Stripe customer on its own test clock (frozen at its
  // creation), so a test can advance the customer's time through a renewal. Stripe takes
  // `test_clock` only with a test key; with a live key it is refused below.
  STRIPE_TEST_CLOCKS: z
    .enum(["", "0", "1", "false", "true"])
    .default("")
    .transform((v) => v === "1" || v === "true"),

  // LLM upstream: unset → the mock LLM (tools/mock-llm).
  LLM_BASE_URL: optionalString,
  LLM_API_KEY: optionalString,

  // Notifications.
  SMTP_URL: optionalString,
  EMAIL_FROM: z.string().default("Meterline <no-reply@meterline.local>"),
  SLACK_WEBHOOK_URL: optionalString,
}).superRefine((env, ctx) => {
  if (env.STRIPE_TEST_CLOCKS && env.STRIPE_SECRET_KEY?.startsWith("sk_live_")) {
    ctx.addIssue({ code: "custom", path: ["STRIPE_TEST_CLOCKS"], message: "test clocks exist only in test mode: unset it, or use an sk_test_ key" });
  }
});

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

/** Parses process.env once; throws a readable error listing every invalid variable. */
export function getEnv(): Env {
  if (cached) return cached;
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  cached = parsed.data;
  return cached;
}

/** Tests change process.env between files; this forgets the parsed copy. */
export function resetEnvForTests(): void {
  cached = undefined;
}
