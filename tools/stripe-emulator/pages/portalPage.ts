import type Stripe from "stripe";
import type { Emulator } from "../core";
import { currentPeriod } from "../billing/subscriptions";
import { formatMoney, formatUnitPrice } from "../billing/money";
import { escapeHtml, page } from "./layout";

function date(unix: number): string {
  return new Date(unix * 1000).toISOString().slice(0, 10);
}

/** Other active recurring licensed prices of the same product, with the same interval. */
export function switchablePrices(emu: Emulator, item: Stripe.SubscriptionItem): Stripe.Price[] {
  return Object.values(emu.state.prices).filter(
    (p) =>
      p.id !== item.price.id &&
      p.active &&
      p.product === item.price.product &&
      p.recurring?.usage_type === "licensed" &&
      p.recurring.interval === item.price.recurring?.interval &&
      p.currency === item.price.currency,
  );
}

function priceLabel(emu: Emulator, price: Stripe.Price): string {
  const product = emu.state.products[price.product as string]?.name ?? "Plan";
  const nickname = price.nickname ? ` — ${price.nickname}` : "";
  const amount = price.recurring?.usage_type === "metered" ? `${formatUnitPrice(price)} per unit` : formatMoney(price.unit_amount ?? 0, price.currency);
  return `${product}${nickname} (${amount} / ${price.recurring?.interval ?? "once"})`;
}

function subscriptionCard(emu: Emulator, session: Stripe.BillingPortal.Session, sub: Stripe.Subscription): string {
  const { end } = currentPeriod(sub);
  const base = `/portal/${escapeHtml(session.id)}/subscriptions/${escapeHtml(sub.id)}`;
  const items = sub.items.data.map((item) => `<li>${escapeHtml(priceLabel(emu, item.price))}</li>`).join("");
  const status = sub.cancel_at_period_end ? `Cancels on ${date(end)}` : sub.status === "active" ? `Renews on ${date(end)}` : `Status: ${sub.status}`;
  const cancelOrResume = sub.cancel_at_period_end
    ? `<form method="post" action="${base}/resume"><button type="submit" data-testid="resume-subscription">Resume subscription</button></form>`
    : `<form method="post" action="${base}/cancel"><button type="submit" class="danger" data-testid="cancel-subscription">Cancel at period end</button></form>`;
  const switches = sub.items.data
    .filter((item) => item.price.recurring?.usage_type !== "metered")
    .flatMap((item) =>
      switchablePrices(emu, item).map(
        (price) => `<form method="post" action="${base}/switch"><input type="hidden" name="item" value="${escapeHtml(item.id)}"><input type="hidden" name="price" value="${escapeHtml(price.id)}">
<button type="submit" class="secondary" data-testid="switch-plan" data-price="${escapeHtml(price.id)}">Switch to ${escapeHtml(priceLabel(emu, price))}</button></form>`,
      ),
    )
    .join("");
  return `<section aria-labelledby="sub-${escapeHtml(sub.id)}" data-testid="portal-subscription">
<h2 id="sub-${escapeHtml(sub.id)}">Current plan</h2>
<ul>${items}</ul>
<p data-testid="subscription-status">${escapeHtml(status)}</p>
<div class="actions">${cancelOrResume}${switches}</div>
</section>`;
}

export function renderPortalPage(emu: Emulator, session: Stripe.BillingPortal.Session, notice: string | null): string {
  const customer = emu.state.customers[session.customer];
  const subs = Object.values(emu.state.subscriptions).filter((s) => s.customer === session.customer && s.status !== "canceled" && s.status !== "incomplete_expired");
  const body = `<main>
<section><h1>Billing for ${escapeHtml(customer?.email ?? customer?.name ?? session.customer)}</h1>
${notice ? `<p class="notice" role="status" data-testid="portal-notice">${escapeHtml(notice)}</p>` : ""}
${session.return_url ? `<p><a href="${escapeHtml(session.return_url)}" data-testid="portal-return">← Return to the app</a></p>` : ""}
</section>
${subs.length === 0 ? `<section><p data-testid="portal-empty">No active subscriptions.</p></section>` : subs.map((s) => subscriptionCard(emu, session, s)).join("")}
</main>`;
  return page("Billing portal", body);
}
