import type { Emulator } from "../core";
import type { Params } from "./params";

export interface ApiContext {
  emu: Emulator;
  params: Params;
  /** Values of `:name` segments in the route pattern. */
  path: Record<string, string>;
  requestId: string;
}

export type ApiHandler = (ctx: ApiContext) => object;

export interface Route {
  method: "GET" | "POST" | "DELETE";
  pattern: string;
  handler: ApiHandler;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

/** Matches `/v1/customers/:id` style patterns; static segments win over parameters. */
export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(routes: Route[]): this {
    for (const route of routes) {
      const names: string[] = [];
      const source = route.pattern
        .split("/")
        .map((segment) => {
          if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
          names.push(segment.slice(1));
          return "([^/]+)";
        })
        .join("/");
      this.routes.push({ ...route, regex: new RegExp(`^${source}$`), names });
    }
    // Literal routes (`/v1/products/search`) must beat `/v1/products/:id`.
    this.routes.sort((a, b) => a.names.length - b.names.length);
    return this;
  }

  match(method: string, pathname: string): { route: Route; path: Record<string, string> } | { methodNotAllowed: true } | null {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.regex.exec(pathname);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const path: Record<string, string> = {};
      route.names.forEach((name, i) => {
        path[name] = decodeURIComponent(m[i + 1] ?? "");
      });
      return { route, path };
    }
    return pathMatched ? { methodNotAllowed: true } : null;
  }
}
