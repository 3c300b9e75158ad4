import type Stripe from "stripe";
import { newId } from "../state/ids";
import { invalidRequest } from "../server/errors";
import { matchesRange, paginate } from "../server/list";
import { applyMetadata, type Params } from "../server/params";
import type { Route } from "../server/router";
import { searchItems, searchResult } from "../server/search";
import type { Emulator } from "../core";
import { checkMetadata, getOr404 } from "./common";

export function buildProduct(fields: { id?: string; name: string; created: number }): Stripe.Product {
  return {
    id: fields.id ?? newId("prod"),
    object: "product",
    active: true,
    created: fields.created,
    default_price: null,
    description: null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: {},
    name: fields.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: "service",
    unit_label: null,
    updated: fields.created,
    url: null,
  };
}

function applyProductFields(product: Stripe.Product, params: Params): void {
  if (params.has("name")) product.name = params.requiredString("name");
  if (params.has("description")) product.description = params.nullableString("description") ?? null;
  if (params.has("active")) product.active = params.bool("active") ?? true;
  if (params.has("unit_label")) product.unit_label = params.nullableString("unit_label") ?? null;
  if (params.has("url")) product.url = params.nullableString("url") ?? null;
  if (params.has("statement_descriptor")) product.statement_descriptor = params.nullableString("statement_descriptor") ?? null;
  if (params.has("images")) product.images = params.strings("images");
  if (params.has("marketing_features")) product.marketing_features = params.objects("marketing_features").map((f) => ({ name: f.requiredString("name") }));
  if (params.has("metadata")) product.metadata = checkMetadata(applyMetadata(product.metadata, params.metadataPatch()));
}

/** Creates a product (checkout `price_data[product_data]` uses this too). */
export function createProduct(emu: Emulator, params: Params): Stripe.Product {
  const id = params.string("id");
  if (id !== undefined && emu.state.products[id]) {
    throw invalidRequest(`Product already exists.`, { code: "resource_already_exists", param: "id" });
  }
  const product = buildProduct({ id, name: params.requiredString("name"), created: emu.clock.realNow() });
  applyProductFields(product, params);
  emu.state.products[product.id] = product;
  emu.emit("product.created", product, null);
  return product;
}

function productField(product: Stripe.Product, field: string): string | null | undefined {
  if (field.startsWith("metadata.")) return product.metadata[field.slice(9)];
  if (field === "name") return product.name;
  if (field === "active") return String(product.active);
  if (field === "description") return product.description;
  if (field === "url") return product.url;
  return undefined;
}

export const productRoutes: Route[] = [
  { method: "POST", pattern: "/v1/products", handler: ({ emu, params }) => createProduct(emu, params) },
  {
    method: "GET",
    pattern: "/v1/products/search",
    handler: ({ emu, params }) => searchResult(searchItems(Object.values(emu.state.products), params.requiredString("query"), productField), params, "/v1/products/search"),
  },
  { method: "GET", pattern: "/v1/products/:id", handler: ({ emu, path }) => getOr404(emu.state.products, path.id ?? "", "product") },
  {
    method: "POST",
    pattern: "/v1/products/:id",
    handler: ({ emu, params, path }) => {
      const product = getOr404(emu.state.products, path.id ?? "", "product");
      return emu.update(product, "product.updated", null, (p) => {
        applyProductFields(p, params);
        if (params.has("default_price")) {
          const priceId = params.nullableString("default_price") ?? null;
          if (priceId !== null) {
            const price = getOr404(emu.state.prices, priceId, "price", "default_price");
            if (price.product !== p.id) throw invalidRequest("The default price must belong to this product.", { param: "default_price" });
          }
          p.default_price = priceId;
        }
        p.updated = emu.clock.realNow();
      });
    },
  },
  {
    method: "DELETE",
    pattern: "/v1/products/:id",
    handler: ({ emu, path }) => {
      const product = getOr404(emu.state.products, path.id ?? "", "product");
      if (Object.values(emu.state.prices).some((p) => p.product === product.id)) {
        throw invalidRequest("This product cannot be deleted because it has one or more user-created prices.");
      }
      delete emu.state.products[product.id];
      emu.emit("product.deleted", product, null);
      return { id: product.id, object: "product", deleted: true } satisfies Stripe.DeletedProduct;
    },
  },
  {
    method: "GET",
    pattern: "/v1/products",
    handler: ({ emu, params }) => {
      const active = params.bool("active");
      const ids = params.strings("ids");
      const items = Object.values(emu.state.products).filter(
        (p) => (active === undefined || p.active === active) && (ids.length === 0 || ids.includes(p.id)) && matchesRange(p.created, params, "created"),
      );
      return paginate(items, params, "/v1/products");
    },
  },
];
