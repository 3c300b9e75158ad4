import type Stripe from "stripe";
import { newId } from "../state/ids";
import { invalidRequest } from "../server/errors";
import type { Route } from "../server/router";
import { requireCustomer } from "./common";

export const portalRoutes: Route[] = [
  {
    method: "POST",
    pattern: "/v1/billing_portal/sessions",
    handler: ({ emu, params }) => {
      const customer = requireCustomer(emu, params.requiredString("customer"));
      const returnUrl = params.string("return_url") ?? null;
      if (returnUrl !== null && !/^https?:\/\//.test(returnUrl)) throw invalidRequest("Not a valid URL", { param: "return_url" });
      const id = newId("bps");
      const session: Stripe.BillingPortal.Session = {
        id,
        object: "billing_portal.session",
        configuration: params.string("configuration") ?? "bpc_emulator_default",
        created: emu.clock.nowFor(customer.id),
        customer: customer.id,
        customer_account: null,
        flow: null,
        livemode: false,
        locale: null,
        on_behalf_of: null,
        return_url: returnUrl,
        url: `${emu.config.publicUrl}/portal/${id}`,
      };
      emu.state.portalSessions[id] = session;
      return session;
    },
  },
];
