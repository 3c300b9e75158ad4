import type { Emulator } from "./core";
import { runRealTimeWork } from "./billing/scheduler";
import { createControlHandler } from "./control";
import { createPageHandler } from "./pages/routes";
import { checkoutLineItems } from "./resources/checkout";
import { checkoutRoutes } from "./resources/checkout";
import { creditNoteRoutes } from "./resources/creditNotes";
import { customerRoutes } from "./resources/customers";
import { eventRoutes } from "./resources/events";
import { invoicePaymentsOf, invoiceRoutes } from "./resources/invoices";
import { meterEventRoutes } from "./resources/meterEvents";
import { meterRoutes } from "./resources/meters";
import { paymentIntentRoutes } from "./resources/paymentIntents";
import { paymentMethodRoutes } from "./resources/paymentMethods";
import { portalRoutes } from "./resources/portal";
import { priceRoutes } from "./resources/prices";
import { productRoutes } from "./resources/products";
import { refundRoutes } from "./resources/refunds";
import { subscriptionRoutes } from "./resources/subscriptions";
import { testClockRoutes } from "./resources/testClocks";
import { webhookEndpointRoutes } from "./resources/webhookEndpoints";
import { createRequestListener } from "./server/http";
import { Router } from "./server/router";

export function buildRouter(): Router {
  return new Router().add([
    ...customerRoutes,
    ...productRoutes,
    ...priceRoutes,
    ...meterRoutes,
    ...meterEventRoutes,
    ...checkoutRoutes,
    ...paymentIntentRoutes,
    ...paymentMethodRoutes,
    ...subscriptionRoutes,
    ...invoiceRoutes,
    ...refundRoutes,
    ...creditNoteRoutes,
    ...portalRoutes,
    ...eventRoutes,
    ...testClockRoutes,
    ...webhookEndpointRoutes,
  ]);
}

/** Fields Stripe only returns when asked for with `expand[]`. */
function includeField(emu: Emulator, object: Record<string, unknown>, field: string): unknown {
  if (object.object === "checkout.session" && field === "line_items" && typeof object.id === "string") {
    const data = checkoutLineItems(emu, object.id);
    return { object: "list", data, has_more: false, url: `/v1/checkout/sessions/${object.id}/line_items` };
  }
  if (object.object === "invoice" && field === "payments" && typeof object.id === "string") {
    const data = invoicePaymentsOf(emu, object.id);
    return { object: "list", data, has_more: false, url: `/v1/invoices/${object.id}/payments` };
  }
  return undefined;
}

export function createListener(getEmu: () => Emulator, info: () => Record<string, unknown>) {
  return createRequestListener({
    emu: getEmu,
    router: buildRouter(),
    include: includeField,
    beforeApi: runRealTimeWork,
    sideHandlers: [createControlHandler(getEmu, info), createPageHandler(getEmu), landingPage(info)],
  });
}

function landingPage(info: () => Record<string, unknown>) {
  return async (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse, url: URL): Promise<boolean> => {
    if (url.pathname !== "/") return false;
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
    res.end(`Stripe sandbox (emulator) is running.\n${JSON.stringify(info(), null, 2)}\nSee tools/stripe-emulator/README.md\n`);
    void req;
    return true;
  };
}
