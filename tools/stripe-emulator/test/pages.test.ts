import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPage, payCheckout, startHarness, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

async function session() {
  const product = await h.stripe.products.create({ name: "Credits <b>pack</b>" });
  const price = await h.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 4999 });
  return h.stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price: price.id, quantity: 1 }], success_url: "https://app.test/ok", cancel_url: "https://app.test/cancel" });
}

function inputsWithoutLabels(html: string): string[] {
  const ids = [...html.matchAll(/<input(?![^>]*type="hidden")[^>]*\sid="([^"]+)"/g)].map((m) => m[1] ?? "");
  return ids.filter((id) => !html.includes(`<label for="${id}"`));
}

describe("hosted checkout page", () => {
  it("is self-contained, labelled and marked as the sandbox", async () => {
    const page = await getPage((await session()).url ?? "");
    expect(page.html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(page.html).toContain('<meta name="viewport"');
    expect(page.html).not.toMatch(/<script|<link|src="http/);
    expect(inputsWithoutLabels(page.html)).toEqual([]);
    for (const id of ["card-number", "card-expiry", "card-cvc", "pay-button", "cancel-link", "checkout-total", "sandbox-banner", "line-item"]) {
      expect(page.html).toContain(`data-testid="${id}"`);
    }
    expect(page.html).toContain("Credits &lt;b&gt;pack&lt;/b&gt;");
    expect(page.html).toContain("$49.99");
    expect(page.html).toContain("focus-visible");
  });

  it("announces errors and points the card field at them", async () => {
    const declined = await payCheckout(await session(), { card: "4000000000000002" });
    expect(declined.html).toMatch(/role="alert" id="checkout-error" data-testid="checkout-error"/);
    expect(declined.html).toMatch(/id="card-number"[^>]*aria-describedby="checkout-error" aria-invalid="true" autofocus/);
    expect(declined.html).toContain('value="4000000000000002"');
  });

  it("rejects an expired card date and an incomplete CVC", async () => {
    const s = await session();
    expect((await payCheckout(s, { card: "4242424242424242", expiry: "01 / 20" })).html).toContain("expiration date is in the past");
    expect((await payCheckout(s, { card: "4242424242424242", cvc: "1" })).html).toContain("security code is incomplete");
  });

  it("shows a closed page for expired sessions and 404 for unknown ones", async () => {
    const s = await session();
    await h.stripe.checkout.sessions.expire(s.id);
    expect((await getPage(`${h.emulator.url}/checkout/${s.id}`)).html).toContain('data-testid="checkout-closed"');
    expect((await getPage(`${h.emulator.url}/checkout/cs_test_unknown`)).status).toBe(404);
    expect((await getPage(`${h.emulator.url}/portal/bps_unknown`)).status).toBe(404);
  });
});

describe("control API", () => {
  it("reports health and chaos, and resets all state", async () => {
    const health = (await (await fetch(`${h.emulator.url}/_emulator/health`)).json()) as { ok: boolean; webhookUrl: string };
    expect(health).toMatchObject({ ok: true, webhookUrl: h.receiver.url });
    const chaos = (await (await fetch(`${h.emulator.url}/_emulator/chaos`)).json()) as { duplicate: boolean };
    expect(chaos.duplicate).toBe(false);
    const customer = await h.stripe.customers.create({});
    await h.emulator.flushWebhooks();
    const reset = await fetch(`${h.emulator.url}/_emulator/reset`, { method: "POST" });
    expect(reset.status).toBe(200);
    await expect(h.stripe.customers.retrieve(customer.id)).rejects.toMatchObject({ statusCode: 404 });
    expect((await fetch(`${h.emulator.url}/_emulator/nope`)).status).toBe(404);
  });
});
