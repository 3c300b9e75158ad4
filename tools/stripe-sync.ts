/**
 * `npm run stripe:sync`: creates or updates the products, prices and meter in Stripe from
 * lib/config/catalog.ts. Safe to run any number of times.
 *
 *   STRIPE_SECRET_KEY=sk_test_… npm run stripe:sync          # a real Stripe test account
 *   STRIPE_EMULATOR_URL=http://127.0.0.1:12111 npm run stripe:sync   # the local emulator
 */
import fs from "node:fs";
import { getStripe } from "@/lib/billing/stripe-client";
import { syncCatalogToStripe } from "@/lib/billing/sync";
import { getIntegrations } from "@/lib/config/integrations";

for (const file of [".env.local", ".env"]) if (fs.existsSync(file)) process.loadEnvFile(file);

async function main() {
  console.log(`Syncing the catalog to ${getIntegrations().stripe.mode === "stripe" ? "Stripe" : "the Stripe emulator"}…`);
  const lines = await syncCatalogToStripe(getStripe());
  for (const l of lines) console.log(`  ${l.action.padEnd(9)} ${l.object.padEnd(7)} ${l.key}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
