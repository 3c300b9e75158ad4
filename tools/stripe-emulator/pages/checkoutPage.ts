import type Stripe from "stripe";
import { formatMoney, formatUnitPrice } from "../billing/money";
import { escapeHtml, page } from "./layout";

export interface CheckoutFormValues {
  email: string;
  name: string;
  number: string;
  expiry: string;
  method: "card" | "sepa_debit";
}

function lineRows(items: Stripe.LineItem[]): string {
  return items
    .map((item) => {
      const metered = item.price?.recurring?.usage_type === "metered";
      const interval = item.price?.recurring ? ` / ${escapeHtml(item.price.recurring.interval)}` : "";
      const amount = metered && item.price ? `${formatUnitPrice(item.price)} per unit, billed${interval ? ` each${interval.replace(" /", "")}` : ""} by usage` : `${formatMoney(item.amount_total, item.currency)}${interval}`;
      return `<tr data-testid="line-item"><td>${escapeHtml(item.description ?? "Item")}${item.quantity && item.quantity > 1 ? ` × ${item.quantity}` : ""}</td><td class="num">${amount}</td></tr>`;
    })
    .join("");
}

export function renderCheckoutPage(session: Stripe.Checkout.Session, items: Stripe.LineItem[], error: string | null, values: Partial<CheckoutFormValues> = {}): string {
  const total = formatMoney(session.amount_total ?? 0, session.currency ?? "usd");
  const title = session.mode === "subscription" ? "Subscribe" : "Pay";
  const summary = `<section aria-labelledby="summary-title">
<h1 id="summary-title">${session.mode === "subscription" ? "Start your subscription" : "Complete your purchase"}</h1>
<table><caption class="muted" style="text-align:left">Order summary</caption>
<thead><tr><th scope="col">Item</th><th scope="col" class="num">Price</th></tr></thead>
<tbody>${lineRows(items)}</tbody>
<tfoot><tr><td>${session.mode === "subscription" ? "Due today" : "Total"}</td><td class="num" data-testid="checkout-total">${total}</td></tr></tfoot>
</table></section>`;

  if (session.status !== "open") {
    const message = session.status === "complete" ? "This checkout session is already complete." : "This checkout session has expired.";
    return page(title, `<main class="split">${summary}<section><p class="notice" role="status" data-testid="checkout-closed">${message}</p></section></main>`);
  }

  const errorBlock = error ? `<div class="error" role="alert" id="checkout-error" data-testid="checkout-error">${escapeHtml(error)}</div>` : "";
  const described = error ? ` aria-describedby="checkout-error" aria-invalid="true"` : "";
  const autofocus = error ? " autofocus" : "";
  const sepa =
    session.mode === "payment"
      ? `<fieldset><legend>Or pay by bank (delayed)</legend>
<label for="iban">IBAN (SEPA Direct Debit)</label>
<input id="iban" name="iban" data-testid="iban" autocomplete="off" inputmode="text" value="${values.method === "sepa_debit" ? escapeHtml(values.number) : ""}">
<p class="hint">Test IBANs: AT32 1904 3002 3547 3204 settles, AT86 1904 3002 3547 3202 fails. Leave the card fields empty to use it.</p></fieldset>`
      : "";
  const form = `<section aria-labelledby="pay-title">
<h2 id="pay-title">Payment details</h2>
${errorBlock}
<form method="post" action="/checkout/${escapeHtml(session.id)}/pay" novalidate>
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" data-testid="email" value="${escapeHtml(values.email ?? session.customer_email ?? "")}">
<label for="card-number">Card number</label>
<input id="card-number" name="card_number" inputmode="numeric" autocomplete="cc-number" data-testid="card-number" placeholder="4242 4242 4242 4242" value="${values.method === "card" ? escapeHtml(values.number) : ""}"${described}${autofocus}>
<p class="hint">Test cards: 4242 4242 4242 4242 succeeds · 4000 0000 0000 0002 is declined · 4000 0000 0000 9995 has insufficient funds.</p>
<div class="row">
<div><label for="card-expiry">Expiry (MM / YY)</label>
<input id="card-expiry" name="card_expiry" autocomplete="cc-exp" data-testid="card-expiry" placeholder="12 / 34" value="${escapeHtml(values.expiry ?? "")}"></div>
<div><label for="card-cvc">CVC</label>
<input id="card-cvc" name="card_cvc" inputmode="numeric" autocomplete="cc-csc" data-testid="card-cvc" placeholder="123"></div>
</div>
<label for="name">Name on card</label>
<input id="name" name="name" autocomplete="cc-name" data-testid="card-name" value="${escapeHtml(values.name ?? "")}">
${sepa}
<button type="submit" class="pay" data-testid="pay-button">${session.mode === "subscription" ? "Subscribe" : "Pay"} ${total}</button>
</form>
${session.cancel_url ? `<p><a href="${escapeHtml(session.cancel_url)}" data-testid="cancel-link">Cancel and return</a></p>` : ""}
</section>`;
  return page(title, `<main class="split">${summary}${form}</main>`);
}
