"use client";

import { useEffect, useState } from "react";
import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import { formatInteger } from "@/components/ui/format";

type Status = { status: "pending" | "granted" | "failed"; credits: number; availableCredits: number };

/**
 * Polls the purchase until the credits are granted. The webhook may arrive after the browser
 * returns from Checkout; the status route then asks Stripe itself, so this settles either way.
 */
export function CheckoutStatus({ sessionId }: { sessionId: string }) {
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let delay = 500;
    const poll = async () => {
      try {
        const r = await fetch(`/api/v1/billing/checkout/${encodeURIComponent(sessionId)}`, { cache: "no-store" });
        const body = (await r.json()) as Status & { error?: { message: string } };
        if (!r.ok) throw new Error(body.error?.message ?? "Could not read the purchase");
        if (stopped) return;
        setStatus(body);
        if (body.status !== "pending") return;
      } catch (e) {
        if (!stopped) setError(e instanceof Error ? e.message : String(e));
      }
      delay = Math.min(delay * 1.5, 5_000);
      if (!stopped) setTimeout(() => void poll(), delay);
    };
    void poll();
    return () => {
      stopped = true;
    };
  }, [sessionId]);

  if (status?.status === "granted") {
    return (
      <div className="flex flex-col gap-3" data-testid="checkout-granted">
        <Alert tone="success">
          {formatInteger(status.credits)} credits added. Your balance is <strong data-testid="balance">{formatInteger(status.availableCredits)}</strong> credits.
        </Alert>
        <Link href="/settings/billing" className="text-sm text-brand-700 underline">
          Back to billing
        </Link>
      </div>
    );
  }
  if (status?.status === "failed") return <Alert tone="error">The payment failed; no credits were added.</Alert>;
  return (
    <div className="flex flex-col gap-2" data-testid="checkout-pending">
      <Alert tone="info">Payment received — adding your credits…</Alert>
      {error ? <p className="text-xs text-zinc-600">Still checking ({error})</p> : null}
    </div>
  );
}
