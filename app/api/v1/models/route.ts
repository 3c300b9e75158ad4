import { withGateway } from "@/lib/gateway/http/with-gateway";
import { listModels } from "@/lib/gateway/models";

export const dynamic = "force-dynamic";

/** The models the caller may use, with their credit prices (OpenAI's list shape + `pricing`). */
export const GET = withGateway(async () => Response.json(listModels()), { session: true });
