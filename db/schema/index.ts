// The schema, split by domain. Each later domain (ledger, gateway, billing, protection) adds a file.
export * from "./users";
export * from "./accounts";
export * from "./api-keys";
export * from "./email";
export * from "./ledger";
export * from "./billing";
export * from "./gateway";
export * from "./protection";
export * from "./notifications";
