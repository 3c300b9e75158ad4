import { estimateCompletion } from "@/lib/gateway/estimate";
import { readCompletionRequest } from "@/lib/gateway/http/read-completion-request";
import { withGateway } from "@/lib/gateway/http/with-gateway";

export const dynamic = "force-dynamic";

/** Same body as a completion; answers what it would hold and likely cost, without calling the model. */
export const POST = withGateway(
  async (req, { caller, db }) => {
    const { body, options } = await readCompletionRequest(db, req, caller);
    return Response.json(await estimateCompletion(db, caller.accountId, body, options));
  },
  { session: true },
);
