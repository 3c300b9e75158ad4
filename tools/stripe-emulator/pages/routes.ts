import type { IncomingMessage, ServerResponse } from "node:http";
import type Stripe from "stripe";
import type { Emulator } from "../core";
import { completeCheckout, type CheckoutPayment } from "../billing/checkoutCompletion";
import { checkoutLineItems, expireIfDue } from "../resources/checkout";
import { updateSubscription } from "../resources/subscriptions";
import { StripeApiError } from "../server/errors";
import { parseFormEncoded } from "../server/form";
import { Params } from "../server/params";
import { renderCheckoutPage, type CheckoutFormValues } from "./checkoutPage";
import { renderPortalPage, switchablePrices } from "./portalPage";
import { escapeHtml, page } from "./layout";
import { newId } from "../state/ids";

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
  res.end(html);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { Location: location });
  res.end();
}

function notFound(res: ServerResponse, what: string): void {
  sendHtml(res, 404, page("Not found", `<main><section><h1>Not found</h1><p>${what}</p></section></main>`));
}

function readPayment(form: Record<string, string>): { payment: CheckoutPayment; values: CheckoutFormValues } {
  const email = (form.email ?? "").trim() || null;
  const name = (form.name ?? "").trim() || null;
  const number = (form.card_number ?? "").trim();
  const iban = (form.iban ?? "").trim();
  const expiry = (form.card_expiry ?? "").trim();
  if (!number && iban) {
    return { payment: { kind: "sepa_debit", iban, email, name }, values: { email: email ?? "", name: name ?? "", number: iban, expiry, method: "sepa_debit" } };
  }
  const [mm = "", yy = ""] = expiry.split(/\s*\/\s*|\s+/);
  const year = Number(yy.length === 2 ? `20${yy}` : yy);
  return {
    payment: { kind: "card", number, expMonth: Number(mm), expYear: year, cvc: (form.card_cvc ?? "").trim(), email, name },
    values: { email: email ?? "", name: name ?? "", number, expiry, method: "card" },
  };
}

function flatForm(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parseFormEncoded(body))) if (typeof v === "string") out[k] = v;
  return out;
}

/** What the portal's buttons do, through the same code as `subscriptions.update`. Returns the notice to show. */
function applyPortalAction(emu: Emulator, sub: Stripe.Subscription, action: string, form: Record<string, string>): string {
  if (action === "cancel") {
    updateSubscription(emu, sub, new Params({ cancel_at_period_end: "true" }));
    return "Your subscription will be canceled at the end of the period.";
  }
  if (action === "resume") {
    updateSubscription(emu, sub, new Params({ cancel_at_period_end: "false" }));
    return "Your subscription has been resumed.";
  }
  const item = sub.items.data.find((i) => i.id === form.item);
  const price = item ? switchablePrices(emu, item).find((p) => p.id === form.price) : undefined;
  if (!item || !price) throw new Error("That plan is not available.");
  updateSubscription(emu, sub, new Params({ items: [{ id: item.id, price: price.id }], proration_behavior: "create_prorations" }));
  return "Your plan has been changed.";
}

/** Hosted checkout (`/checkout/:id`) and customer portal (`/portal/:id`) pages. */
export function createPageHandler(getEmu: () => Emulator) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<boolean> => {
    const emu = getEmu();
    const method = req.method ?? "GET";
    const checkout = /^\/checkout\/([^/]+)(\/pay)?$/.exec(url.pathname);
    if (checkout) {
      const session = emu.state.checkoutSessions[checkout[1] ?? ""];
      if (!session) {
        notFound(res, "This checkout session does not exist.");
        return true;
      }
      expireIfDue(emu, session);
      const items = checkoutLineItems(emu, session.id);
      if (method === "POST" && checkout[2]) {
        const { payment, values } = readPayment(flatForm(body));
        let result;
        try {
          result = emu.atomically({ id: newId("req"), idempotencyKey: null }, () => false, () => completeCheckout(emu, session, payment));
        } catch (err) {
          result = { ok: false as const, error: err instanceof StripeApiError ? err.body.message : String(err) };
        }
        emu.persist();
        if (result.ok) {
          redirect(res, result.redirectTo);
        } else {
          sendHtml(res, 402, renderCheckoutPage(session, items, result.error, values));
        }
        return true;
      }
      if (method !== "GET") return false;
      sendHtml(res, 200, renderCheckoutPage(session, items, null));
      return true;
    }

    const portal = /^\/portal\/([^/]+)(?:\/subscriptions\/([^/]+)\/(cancel|resume|switch))?$/.exec(url.pathname);
    if (portal) {
      const session = emu.state.portalSessions[portal[1] ?? ""];
      if (!session) {
        notFound(res, "This portal session does not exist.");
        return true;
      }
      if (method === "POST" && portal[2]) {
        const sub = emu.state.subscriptions[portal[2]];
        if (!sub || sub.customer !== session.customer) {
          notFound(res, "This subscription does not belong to this customer.");
          return true;
        }
        const form = flatForm(body);
        let notice: string;
        try {
          notice = emu.atomically({ id: newId("req"), idempotencyKey: null }, () => false, () => applyPortalAction(emu, sub, portal[3] ?? "", form));
        } catch (err) {
          notice = `Could not update the subscription: ${err instanceof StripeApiError ? err.body.message : err instanceof Error ? err.message : String(err)}`;
        }
        emu.persist();
        redirect(res, `/portal/${session.id}?notice=${encodeURIComponent(notice)}`);
        return true;
      }
      if (method !== "GET") return false;
      sendHtml(res, 200, renderPortalPage(emu, session, url.searchParams.get("notice")));
      return true;
    }
    const hostedInvoice = /^\/invoice\/([^/]+)(\/pdf)?$/.exec(url.pathname);
    if (hostedInvoice && method === "GET") {
      const invoice = emu.state.invoices[hostedInvoice[1] ?? ""];
      if (!invoice || invoice.status === "draft") {
        notFound(res, "This invoice does not exist or is not finalized.");
        return true;
      }
      const amount = (cents: number) => `${(cents / 100).toFixed(2)} ${invoice.currency.toUpperCase()}`;
      const lines = invoice.lines.data.map((l) => `<li>${escapeHtml(l.description ?? "")}: ${escapeHtml(amount(l.amount))}</li>`).join("");
      sendHtml(
        res,
        200,
        page(
          `Invoice ${invoice.number ?? invoice.id}`,
          `<main><section><h1>Invoice ${escapeHtml(invoice.number)}</h1><p>Status: ${escapeHtml(invoice.status)}</p><ul>${lines}</ul><p>Total: ${escapeHtml(amount(invoice.total))}</p></section></main>`,
        ),
      );
      return true;
    }
    return false;
  };
}
