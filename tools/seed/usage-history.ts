import { findModelPrice, type ModelPrice } from "@/lib/config/price-book";
import { creditsFor } from "@/lib/gateway/pricing";

/**
 * Synthetic but realistic API traffic: a weekday rhythm, slow growth, a mix of models and
 * actions, a few cache hits. Deterministic (seeded PRNG) so screenshots are stable.
 */
export type SyntheticRequest = {
  at: Date;
  action: string;
  model: string;
  userId: string;
  apiKeyId: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheHit: boolean;
  credits: number;
  latencyMs: number;
};

export function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The traffic mix; prices come from the price book, charged with the gateway's own formula. */
const modelMix: { id: string; weight: number }[] = [
  { id: "standard", weight: 0.62 },
  { id: "mock-small", weight: 0.26 },
  { id: "mock-large", weight: 0.12 },
];
const models: { id: string; weight: number; price: ModelPrice }[] = modelMix.map((m) => {
  const price = findModelPrice(m.id);
  if (!price) throw new Error(`seed: model "${m.id}" is not in lib/config/price-book.ts; update the seed's traffic mix`);
  return { ...m, price };
});
const actions = [
  { id: "support.reply", weight: 0.38 },
  { id: "docs.summarize", weight: 0.24 },
  { id: "agent.plan", weight: 0.16 },
  { id: "playground", weight: 0.08 },
  { id: "search.rerank", weight: 0.14 },
];

function pick<T extends { weight: number }>(rand: () => number, items: T[]): T {
  let r = rand();
  for (const it of items) {
    r -= it.weight;
    if (r <= 0) return it;
  }
  return items[items.length - 1]!;
}

/**
 * Requests for one UTC day. `scale` grows the volume over time; weekends run at ~40%.
 * Members send through keys (the API) or the playground (no key).
 */
export function requestsForDay(
  rand: () => number,
  day: Date,
  people: { userIds: string[]; apiKeyIds: string[] },
  options: { baseRequests: number; scale: number; until?: Date },
): SyntheticRequest[] {
  const weekend = day.getUTCDay() === 0 || day.getUTCDay() === 6;
  const n = Math.round(options.baseRequests * options.scale * (weekend ? 0.4 : 1) * (0.8 + rand() * 0.4));
  const out: SyntheticRequest[] = [];
  for (let i = 0; i < n; i++) {
    // Working hours weigh more: a bump centred on 15:00 UTC.
    const hour = Math.min(Math.max(15 + (rand() + rand() + rand() - 1.5) * 8, 0), 23.99);
    const at = new Date(day.getTime() + hour * 3_600_000);
    if (options.until && at > options.until) continue;
    const model = pick(rand, models);
    const action = pick(rand, actions);
    const playground = action.id === "playground";
    const inputTokens = Math.round(80 + rand() * rand() * 900);
    const outputTokens = Math.round(20 + rand() * rand() * 400);
    const cacheHit = !playground && rand() < 0.07;
    const credits = cacheHit ? 0 : creditsFor(model.price, { inputTokens, outputTokens });
    out.push({
      at,
      action: action.id,
      model: model.id,
      userId: people.userIds[Math.floor(rand() * people.userIds.length)]!,
      apiKeyId: playground ? null : people.apiKeyIds[Math.floor(rand() * people.apiKeyIds.length)]!,
      inputTokens,
      outputTokens,
      cacheHit,
      credits,
      latencyMs: cacheHit ? Math.round(3 + rand() * 10) : Math.round(250 + rand() * 1800),
    });
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}
