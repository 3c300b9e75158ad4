import { after } from "next/server";

/**
 * Captures that commit while (or just after) their answer is written: the charge was known
 * without the database (Settlement.chargeKnownBeforeCapture), so the client does not wait for the
 * capture's commit — one database round trip and WAL flush off every metered call's latency.
 *
 * Nothing about what is charged changes: the capture is the same one transaction, started before
 * the answer is written. What this registry adds is that nobody loses track of it:
 * - a receipt asked for in this process waits for its request's capture (receiptWhenSettled);
 * - shutdown waits for the captures still committing (drainSettlements), so a deploy does not
 *   leave holds for the sweeper;
 * - under Next, `after()` keeps the function alive until the capture commits (serverless hosts
 *   would otherwise freeze it once the response is sent). The front server is not a Next request
 *   scope, so there `after` throws and this registry is what keeps track.
 */
const pending = new Map<string, Promise<void>>();

export function settleBehindResponse(requestId: string, capture: Promise<unknown>): void {
  const tracked: Promise<void> = capture.then(
    () => undefined,
    () => undefined, // the work logs its own failure; here it only has to be over
  );
  pending.set(requestId, tracked);
  void tracked.then(() => pending.delete(requestId));
  keepAliveUnderNext(tracked);
}

/**
 * A process either serves its gateway calls inside Next's request scope (next start/dev) or never
 * does (the front server): after() throwing once — and building that Error costs more than the
 * rest of this module per call — means it will throw every time, so it is not tried again.
 */
let nextAfterUsable = true;
function keepAliveUnderNext(work: Promise<void>): void {
  if (!nextAfterUsable) return;
  try {
    after(work);
  } catch {
    nextAfterUsable = false; // not inside a Next request (the front server, tests): the registry keeps track
  }
}

/** Resolves when this process's capture of `requestId`, if one is still committing, is over. */
export function settledHere(requestId: string): Promise<void> {
  return pending.get(requestId) ?? Promise.resolve();
}

/** Waits (up to `timeoutMs`) for every capture still committing; returns how many were left unfinished. */
export async function drainSettlements(timeoutMs = 10_000): Promise<number> {
  const all = [...pending.values()];
  if (all.length === 0) return 0;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  await Promise.race([Promise.all(all), timedOut]);
  clearTimeout(timer);
  return pending.size;
}

export function settlementsInFlight(): number {
  return pending.size;
}
