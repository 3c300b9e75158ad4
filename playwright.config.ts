import { defineConfig, devices } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://localhost:${PORT}`;

/**
 * Browser journeys against the whole sandbox (production build, embedded Postgres, stand-ins),
 * in Debian's Chromium: Playwright's own browser download is not available here.
 */
export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: {
    command: `npx tsx tools/dev.ts --prod --port ${PORT} --data .data/e2e --fresh`,
    url: `${baseURL}/api/health`,
    timeout: 180_000,
    reuseExistingServer: !process.env.CI,
    // ADMIN_EMAILS: the platform admin of e2e/admin.spec.ts. The breaker's spend floor is raised
    // because journeys burn a month of credits in a minute on brand-new accounts, which the
    // default floor (1,000,000 credits/hour for an account without history) rightly trips;
    // the admin spec trips the breaker through the agent-loop signature instead.
    env: {
      EMBEDDED_PG_PORT: process.env.E2E_PG_PORT ?? "54339",
      STRIPE_EMULATOR_PORT: "0",
      APP_URL: baseURL,
      NEXT_TELEMETRY_DISABLED: "1",
      ADMIN_EMAILS: "platform-admin@meterline.test",
      BREAKER_BASELINE_FLOOR_CREDITS_PER_HOUR: "100000000",
      // Test mode only: every new Stripe customer gets its own test clock, which journey 4
      // advances through the Pro renewal (lib/billing/README.md "Tests").
      STRIPE_TEST_CLOCKS: "1",
    },
    stdout: "pipe",
    stderr: "pipe",
  },
});
