"use client";

import { useId, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Field, SelectField } from "@/components/ui/field";
import { formatInteger } from "@/components/ui/format";
import { CostPreview } from "./cost-preview";
import { Messages, type Turn } from "./messages";
import { readCompletionStream } from "./read-completion-stream";
import { errorMessage, useEstimate, type ChatMessage } from "./use-estimate";

const history = (turns: Turn[]): ChatMessage[] => turns.filter((t) => t.role === "user" || (t.content && t.status !== "error")).map((t) => ({ role: t.role, content: t.content }));

/**
 * A multi-turn chat on the metered path: live cost preview of the next request (confirmation above
 * `confirmAbove` credits) → streamed reply through /api/v1/chat/completions with the session →
 * what the reply cost and the balance after it.
 */
export function PlaygroundChat({
  models,
  confirmAbove,
  initialBalance,
  refreshBalance,
}: {
  models: { id: string; description: string }[];
  confirmAbove: number;
  initialBalance: number;
  /** The server action that re-reads the account's available credits. */
  refreshBalance: () => Promise<number>;
}) {
  const router = useRouter();
  const [model, setModel] = useState(models[0]?.id ?? "standard");
  const [prompt, setPrompt] = useState("");
  const [maxTokens, setMaxTokens] = useState(512);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [balance, setBalance] = useState(initialBalance);
  const [confirmed, setConfirmed] = useState(false);
  const [sending, setSending] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const promptId = useId();

  const next: ChatMessage[] | null = prompt.trim() ? [...history(turns), { role: "user", content: prompt }] : null;
  const { estimate, loading, error } = useEstimate(model, next, maxTokens);
  const expensive = (estimate?.hold_credits ?? 0) > confirmAbove;
  const canSend = !!next && !!estimate && estimate.affordable && !sending && (!expensive || confirmed);

  // A confirmation is for one request: any edit asks again.
  const edit = <T,>(set: (v: T) => void) => (v: T) => {
    setConfirmed(false);
    set(v);
  };
  const updateLast = (patch: Partial<Turn> | ((t: Turn) => Partial<Turn>)) =>
    setTurns((ts) => ts.map((t, i) => (i === ts.length - 1 ? { ...t, ...(typeof patch === "function" ? patch(t) : patch) } : t)));

  async function send(e?: React.FormEvent) {
    e?.preventDefault();
    if (!canSend || !next) return;
    const ctrl = new AbortController();
    abort.current = ctrl;
    setSending(true);
    setConfirmed(false);
    setPrompt("");
    setTurns((ts) => [...ts, { role: "user", content: prompt }, { role: "assistant", content: "", status: "streaming" }]);
    let result: Awaited<ReturnType<typeof readCompletionStream>> | null = null;
    try {
      const res = await fetch("/api/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json", "x-action": "playground" },
        body: JSON.stringify({ model, max_tokens: maxTokens, messages: next, stream: true, stream_options: { include_usage: true } }),
        signal: ctrl.signal,
      });
      if (!res.ok || !res.body) throw new Error(await errorMessage(res));
      const requestId = res.headers.get("x-request-id");
      result = await readCompletionStream(res.body, (text) => updateLast((t) => ({ content: t.content + text })));
      updateLast({ status: "done", charged: result.usage?.credits_charged ?? null, requestId: result.requestId ?? requestId });
    } catch (err) {
      if (ctrl.signal.aborted) updateLast({ status: "stopped" });
      else updateLast({ status: "error", error: err instanceof Error ? err.message : "Request failed" });
    } finally {
      abort.current = null;
      setSending(false);
    }
    // The balance after this reply (a stopped or failed one may still have been billed for what streamed).
    const after = await refreshBalance().catch(() => null);
    if (after !== null) {
      setBalance(after);
      updateLast((t) => ({ balanceAfter: after, charged: t.charged ?? (t.status === "error" ? null : Math.max(0, balance - after)) }));
    }
    router.refresh();
  }

  return (
    <div className="flex flex-col gap-5" data-testid="playground">
      <div className="flex flex-wrap items-baseline justify-between gap-2 border-b border-zinc-100 pb-3">
        <p className="text-sm text-zinc-700">
          Balance{" "}
          <strong className="text-lg tabular-nums text-zinc-900" data-testid="playground-balance" data-value={balance} aria-live="polite">
            {formatInteger(balance)}
          </strong>{" "}
          credits
        </p>
        {turns.length > 0 ? (
          <Button type="button" variant="ghost" size="sm" onClick={() => setTurns([])} disabled={sending} data-testid="playground-clear">
            New conversation
          </Button>
        ) : null}
      </div>
      <Messages turns={turns} />
      <form onSubmit={send} className="flex flex-col gap-4" aria-label="Next message">
        <div className="grid gap-4 sm:grid-cols-[2fr_1fr]">
          <SelectField label="Model" value={model} onChange={(e) => edit(setModel)(e.target.value)} data-testid="playground-model">
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id}
              </option>
            ))}
          </SelectField>
          <Field label="Max output tokens" type="number" min={1} value={maxTokens} onChange={(e) => edit(setMaxTokens)(Math.max(1, Number(e.target.value) || 1))} data-testid="playground-max-tokens" />
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor={promptId} className="text-sm font-medium text-zinc-800">
            {turns.length ? "Your reply" : "Prompt"}
          </label>
          <textarea
            id={promptId}
            rows={4}
            value={prompt}
            onChange={(e) => edit(setPrompt)(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) void send();
            }}
            aria-describedby={`${promptId}-hint`}
            className="rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm shadow-sm"
            data-testid="playground-prompt"
          />
          <p id={`${promptId}-hint`} className="text-xs text-zinc-600">
            The whole conversation is sent each turn, so later turns cost more input. Ctrl+Enter sends.
          </p>
        </div>
        <CostPreview estimate={estimate} loading={loading} error={error} />
        {expensive && estimate?.affordable ? (
          <label className="flex items-start gap-2 text-sm text-amber-900">
            <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} className="mt-0.5 size-4" data-testid="playground-confirm" />
            This request can cost up to {formatInteger(estimate.hold_credits)} credits (more than {formatInteger(confirmAbove)}). Send it anyway.
          </label>
        ) : null}
        <div className="flex gap-2">
          <Button type="submit" disabled={!canSend} data-testid="playground-send">
            {sending ? "Streaming…" : "Send"}
          </Button>
          {sending ? (
            <Button type="button" variant="secondary" onClick={() => abort.current?.abort()} data-testid="playground-stop">
              Stop
            </Button>
          ) : null}
        </div>
      </form>
    </div>
  );
}
