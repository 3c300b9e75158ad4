import type { Db } from "@/db/client";
import { parseJsonBody } from "@/lib/http/parse";
import { DEFAULT_KEY_SETTINGS, getKeySettingsCached } from "../key-settings";
import type { RequestOptions } from "../prepare";
import { chatCompletionBodySchema, type ChatCompletionBody } from "../schemas";
import type { GatewayCaller } from "./authenticate";

/** The body and the gateway's own request options (headers, the key's settings), validated. */
export async function readCompletionRequest(db: Db, req: Request, caller: GatewayCaller): Promise<{ body: ChatCompletionBody; options: RequestOptions }> {
  const body = await parseJsonBody(req, chatCompletionBodySchema);
  const keyCache = caller.apiKeyId ? await getKeySettingsCached(db, caller.accountId, caller.apiKeyId) : DEFAULT_KEY_SETTINGS;
  return {
    body,
    options: {
      actionHeader: req.headers.get("x-action"),
      cacheHeader: req.headers.get("x-cache"),
      cacheTtlHeader: req.headers.get("x-cache-ttl"),
      keyCache,
    },
  };
}
