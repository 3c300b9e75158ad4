import { withGateway } from "@/lib/gateway/http/with-gateway";
import { getReceiptOrThrow } from "@/lib/gateway/receipts";

export const dynamic = "force-dynamic";

/** The receipt of one request: tokens, credits held and charged, grants used, overage, cache hit. */
export const GET = withGateway<{ requestId: string }>(
  async (_req, { caller, db, params }) => Response.json(await getReceiptOrThrow(db, caller.accountId, params.requestId)),
  { session: true },
);
