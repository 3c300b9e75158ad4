import { matchesRange, paginate } from "../server/list";
import type { Route } from "../server/router";
import { getOr404 } from "./common";

export const eventRoutes: Route[] = [
  { method: "GET", pattern: "/v1/events/:id", handler: ({ emu, path }) => getOr404(emu.state.events, path.id ?? "", "event") },
  {
    method: "GET",
    pattern: "/v1/events",
    handler: ({ emu, params }) => {
      const type = params.string("type");
      const types = params.strings("types");
      const matchesType = (t: string) => {
        if (types.length > 0) return types.includes(t);
        if (type === undefined) return true;
        // Stripe accepts a trailing wildcard: `invoice.*`.
        return type.endsWith(".*") ? t.startsWith(type.slice(0, -1)) : t === type;
      };
      const items = Object.values(emu.state.events).filter((e) => matchesType(e.type) && matchesRange(e.created, params, "created"));
      return paginate(items, params, "/v1/events");
    },
  },
];
