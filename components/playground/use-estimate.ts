"use client";

import { useEffect, useState } from "react";
import type { Estimate } from "./cost-preview";

export type ChatMessage = { role: "user" | "assistant"; content: string };

async function errorMessage(res: Response): Promise<string> {
  const j = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return j?.error?.message ?? `Request failed (HTTP ${res.status})`;
}
export { errorMessage };

/**
 * The live cost of sending `messages` (the whole conversation plus the new prompt) from
 * /api/v1/estimate, debounced; nothing is held or charged. Null while there is no prompt.
 */
export function useEstimate(model: string, messages: ChatMessage[] | null, maxTokens: number) {
  const [estimate, setEstimate] = useState<Estimate | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const body = messages ? JSON.stringify({ model, max_tokens: maxTokens, messages }) : null;

  useEffect(() => {
    if (!body) return;
    const ctrl = new AbortController();
    const timer = setTimeout(async () => {
      setLoading(true);
      try {
        const res = await fetch("/api/v1/estimate", { method: "POST", headers: { "content-type": "application/json" }, body, signal: ctrl.signal });
        if (!res.ok) throw new Error(await errorMessage(res));
        setEstimate((await res.json()) as Estimate);
        setError(null);
      } catch (e) {
        if (!ctrl.signal.aborted) setError(e instanceof Error ? e.message : "Could not estimate");
      } finally {
        if (!ctrl.signal.aborted) setLoading(false);
      }
    }, 300);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [body]);

  return { estimate: body ? estimate : null, loading, error: body ? error : null, refresh: () => setEstimate(null) };
}
