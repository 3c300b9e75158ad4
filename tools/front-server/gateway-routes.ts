import { POST as chatCompletions } from "@/app/api/v1/chat/completions/route";
import { POST as estimate } from "@/app/api/v1/estimate/route";
import { GET as models } from "@/app/api/v1/models/route";
import { GET as receipt } from "@/app/api/v1/receipts/[requestId]/route";
import type { FrontRoute, RouteHandler } from "./server";

/** The gateway routes the front server runs itself: the very handlers Next serves at these paths. */
export const gatewayRoutes: FrontRoute[] = [
  { method: "POST", path: "/api/v1/chat/completions", handler: chatCompletions as RouteHandler },
  { method: "POST", path: "/api/v1/estimate", handler: estimate as RouteHandler },
  { method: "GET", path: "/api/v1/models", handler: models as RouteHandler },
  { method: "GET", path: "/api/v1/receipts/:requestId", handler: receipt as unknown as RouteHandler },
];
