import type { BreakerCause, BreakerScope } from "@/db/schema";

/** Where an owner or admin resumes a tripped breaker. */
export const RESUME_PATH = "/settings/protection";

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

export function spendSpikeMessage(d: { spentCredits: number; baselineCreditsPerHour: number; multiple: number }): string {
  const times = d.baselineCreditsPerHour > 0 ? Math.floor(d.spentCredits / d.baselineCreditsPerHour) : d.multiple;
  return (
    `Circuit breaker tripped: this account spent ${fmt(d.spentCredits)} credits in the last hour, ` +
    `${times}× its typical ${fmt(d.baselineCreditsPerHour)} credits per hour (the limit is ${d.multiple}×). ` +
    `Requests are paused so a runaway job cannot run up the bill. An owner or admin can resume at ${RESUME_PATH}; ` +
    `the account then runs at a reduced rate for a while.`
  );
}

export function agentLoopMessage(d: { repeats: number; windowSeconds: number; keyPrefix?: string | null }): string {
  return (
    `Circuit breaker tripped: this API key sent ${d.repeats} near-identical requests within ${d.windowSeconds} seconds, ` +
    `the signature of an agent stuck in a loop. The key is paused; an owner or admin of the account can resume it at ${RESUME_PATH}.`
  );
}

export function genericFrozenMessage(): string {
  return `This account is frozen, so no requests can be made. An owner or admin can see why at ${RESUME_PATH}, or contact support.`;
}

export function cautiousMessage(d: { requestsPerMinute: number; until: Date }): string {
  return (
    `This account is in cautious mode after a circuit-breaker trip: up to ${d.requestsPerMinute} requests per minute ` +
    `until ${d.until.toISOString()}. Normal service resumes automatically then.`
  );
}

export type TripDescription = { scope: BreakerScope; cause: BreakerCause; message: string };
