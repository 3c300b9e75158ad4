import { creditCustomerInvoice } from "@/lib/admin/actions";
import { withPlatformAdmin } from "@/lib/admin/http/with-platform-admin";
import { invoiceCreditSchema } from "@/lib/admin/schemas";
import { getStripe } from "@/lib/billing/stripe-client";
import { parseJsonBody } from "@/lib/http/parse";

/** Platform admins: credit one of the customer's invoices (balance credit on a draft, credit note otherwise); audited. */
export const POST = withPlatformAdmin<{ id: string }>(async (req, { admin, db, params }) => {
  const input = await parseJsonBody(req, invoiceCreditSchema);
  return Response.json(await creditCustomerInvoice({ db, stripe: getStripe() }, admin, { accountId: params.id, ...input }));
});
