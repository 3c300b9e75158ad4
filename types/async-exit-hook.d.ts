// async-exit-hook ships no types; only the part we call is declared.
declare module "async-exit-hook" {
  const exitHook: { unhookEvent(event: string): void };
  export default exitHook;
}
