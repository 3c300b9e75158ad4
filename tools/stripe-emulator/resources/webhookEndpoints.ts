import type Stripe from "stripe";
import type { Emulator } from "../core";
import { newId, newSecret } from "../state/ids";
import { invalidRequest } from "../server/errors";
import { paginate } from "../server/list";
import { applyMetadata } from "../server/params";
import type { Route } from "../server/router";
import type { StoredWebhookEndpoint } from "../state/store";
import { getOr404 } from "./common";

/** The secret is only shown when the endpoint is created, as on Stripe. */
function publicView(endpoint: StoredWebhookEndpoint) {
  const { secret: _secret, ...rest } = endpoint;
  void _secret;
  return rest;
}

function getEndpoint(emu: Emulator, id: string): StoredWebhookEndpoint {
  return getOr404(emu.state.webhookEndpoints, id, "webhook_endpoint");
}

export const webhookEndpointRoutes: Route[] = [
  {
    method: "POST",
    pattern: "/v1/webhook_endpoints",
    handler: ({ emu, params }) => {
      const url = params.requiredString("url");
      if (!/^https?:\/\//.test(url)) throw invalidRequest("Invalid URL: must be http(s).", { param: "url" });
      const enabled = params.strings("enabled_events");
      if (enabled.length === 0) throw invalidRequest("Missing required param: enabled_events.", { code: "parameter_missing", param: "enabled_events" });
      const endpoint: StoredWebhookEndpoint = {
        id: newId("we"),
        object: "webhook_endpoint",
        api_version: params.string("api_version") ?? null,
        application: null,
        created: emu.clock.realNow(),
        description: params.string("description") ?? null,
        enabled_events: enabled,
        livemode: false,
        metadata: applyMetadata({}, params.metadataPatch()),
        secret: newSecret("whsec"),
        status: "enabled",
        url,
      };
      emu.state.webhookEndpoints[endpoint.id] = endpoint;
      return endpoint;
    },
  },
  { method: "GET", pattern: "/v1/webhook_endpoints/:id", handler: ({ emu, path }) => publicView(getEndpoint(emu, path.id ?? "")) },
  { method: "GET", pattern: "/v1/webhook_endpoints", handler: ({ emu, params }) => paginate(Object.values(emu.state.webhookEndpoints).map(publicView), params, "/v1/webhook_endpoints") },
  {
    method: "POST",
    pattern: "/v1/webhook_endpoints/:id",
    handler: ({ emu, params, path }) => {
      const endpoint = getEndpoint(emu, path.id ?? "");
      if (params.has("url")) endpoint.url = params.requiredString("url");
      if (params.has("enabled_events")) endpoint.enabled_events = params.strings("enabled_events");
      if (params.has("disabled")) endpoint.status = params.bool("disabled") ? "disabled" : "enabled";
      if (params.has("description")) endpoint.description = params.nullableString("description") ?? null;
      if (params.has("metadata")) endpoint.metadata = applyMetadata(endpoint.metadata, params.metadataPatch());
      return publicView(endpoint);
    },
  },
  {
    method: "DELETE",
    pattern: "/v1/webhook_endpoints/:id",
    handler: ({ emu, path }) => {
      const endpoint = getEndpoint(emu, path.id ?? "");
      delete emu.state.webhookEndpoints[endpoint.id];
      return { id: endpoint.id, object: "webhook_endpoint", deleted: true } satisfies Stripe.DeletedWebhookEndpoint;
    },
  },
];
