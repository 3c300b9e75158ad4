import type { GrantKind } from "@/db/schema";

export type { GrantKind };

export type UsageMeta = { userId?: string | null; apiKeyId?: string | null; action?: string | null; model?: string | null; /** Set on holds placed ahead of demand (reserveAhead). */ pool?: string };

export type ReserveInput = { accountId: string; requestId: string; credits: number; meta?: UsageMeta; ttlSeconds?: number };

export type Hold = { requestId: string; holdId: string; credits: number; fromGrantsCredits: number; overageCredits: number; expiresAt: Date };

export type RefusalCode = "insufficient_credits" | "hard_limit_reached" | "overage_blocked" | "account_frozen";

export type UsageRecord = {
  model: string;
  action?: string | null;
  inputTokens: number;
  outputTokens: number;
  cachedTokens?: number;
  cacheHit?: boolean;
  status?: "succeeded" | "partial";
  latencyMs?: number;
  userId?: string | null;
  apiKeyId?: string | null;
};

export type CaptureInput = { accountId: string; requestId: string; credits: number; usage: UsageRecord };

export type Receipt = {
  requestId: string;
  accountId: string;
  createdAt: Date;
  model: string;
  action: string | null;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheHit: boolean;
  status: string;
  heldCredits: number;
  chargedCredits: number;
  overageCredits: number;
  requestedCredits: number;
  /** Requested but not charged: beyond the hold, or overage beyond the period's hard limit. */
  cappedCredits: number;
  /** Charged from plan_allowance grants (included quota). */
  includedCredits: number;
  grants: { grantId: string; kind: string; credits: number }[];
  userId: string | null;
  apiKeyId: string | null;
  latencyMs: number | null;
};

/** A limit notification recorded by this capture (once per period per threshold). */
export type LimitNotice = { kind: "soft_limit" | "hard_limit"; threshold: number; value: number; periodStart: Date };

export type CaptureResult = Receipt & { notices: LimitNotice[] };

export type ReleaseInput = { accountId: string; requestId: string; reason: string };

export type GrantInput = {
  accountId: string;
  kind: GrantKind;
  credits: number;
  sourceRef: string;
  expiresAt?: Date | null;
  priority?: number;
  reason?: string;
  actorUserId?: string | null;
  amountCents?: number | null;
};

export type AdjustInput = { accountId: string; credits: number; reason: string; actorUserId: string | null; sourceRef: string };

export type AdjustResult =
  | { direction: "credit"; grantId: string; created: boolean; creditedCredits: number }
  | { direction: "debit"; created: boolean; debitedCredits: number; shortfallCredits: number };

export type Balance = {
  /**
   * What the customer has left to spend: Σ unexpired (remaining − held), plus the credits on holds the
   * gateway placed ahead for their busy API keys (reservedAheadCredits), which are theirs until used.
   */
  availableCredits: number;
  /** The journal's balance, Σ remaining_delta = Σ grants.remaining (held credits included; a grant past
   *  its date counts until the expiry job sweeps it). */
  remainingCredits: number;
  /** Grant credits held by requests' own open holds (holds placed ahead are in reservedAheadCredits). */
  heldCredits: number;
  /** Grant credits on open holds placed ahead of demand (lib/gateway/hold-pool.ts). */
  reservedAheadCredits: number;
  bySource: { kind: string; remainingCredits: number; expiresAt: Date | null }[];
  overage: { allowed: boolean; usedCredits: number; heldCredits: number; limitCredits: number | null; blocked: boolean };
  period: { start: Date; end: Date };
  status: "active" | "frozen" | "past_due";
};
