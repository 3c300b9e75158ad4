// Placeholder replaced by the foundation: starts the embedded Postgres shared by all test files.
export default async function setup() {}
