"use client";

import { useEffect, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { Alert } from "@/components/ui/alert";
import { SelectField } from "@/components/ui/field";
import { formatInteger } from "@/components/ui/format";
import { readCompletionStream } from "./read-completion-stream";

type Model = { id: string; description: string; inputCreditsPer1K: number; outputCreditsPer1K: number };
type Turn = { role: "user" | "assistant"; content: string; requestId?: string; credits?: number; tokens?: { prompt: number; completion: number } };
type Estimate = { hold_credits: number; likely_credits: { min: number; max: number }; affordable: boolean };

/**
 * A chat page on the same metered path as the API: it posts to /api/v1/chat/completions with the
 * session cookie (no API key), streams the answer, and shows each reply's cost and the new
 * balance. Before sending, it shows the estimate endpoint's preview for the current draft.
 */
export function Playground({ models, initialBalance, refreshBalance }: { models: Model[]; initialBalance: number; refreshBalance: () => Promise<number> }) {
  const [model, setModel] = useState(models[0]?.id ?? "standard");
  const [maxTokens, setMaxTokens] = useState(256);
  const [draft, setDraft] = useState("");
  const [turns, setTurns] = useState<Turn[]>([]);
  const [balance, setBalance] = useState(initialBalance);
  const [estimate, setEstimate] = useState<Estimate | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const abort = useRef<AbortController | null>(null);

  const messagesFor = (text: string) => [...turns.map(({ role, content }) => ({ role, content })), { role: "user" as const, content: text }];

  // The cost preview: debounced, so typing does not send a request per keystroke.
  useEffect(() => {
    if (draft.trim() === "") return;
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const res = await fetch("/api/v1/estimate", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model, messages: messagesFor(draft), max_tokens: maxTokens }),
          signal: controller.signal,
        });
        if (res.ok) setEstimate((await res.json()) as Estimate);
      } catch {
        // a newer keystroke aborted it
      }
    }, 300);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- turns only matter when a draft changes
  }, [draft, model, maxTokens]);

  async function send(e: React.FormEvent) {
    e.preventDefault();
    const text = draft.trim();
    if (!text || pending) return;
    setError(null);
    setPending(true);
    setDraft("");
    setEstimate(null);
    const messages = messagesFor(text);
    setTurns([...messages, { role: "assistant", content: "" }]);
    const controller = new AbortController();
    abort.current = controller;
    try {
      const res = await fetch("/api/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json", "x-action": "playground" },
        body: JSON.stringify({ model, messages, max_tokens: maxTokens, stream: true, stream_options: { include_usage: true } }),
        signal: controller.signal,
      });
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new Error(body?.error?.message ?? `Request failed (${res.status})`);
      }
      let answer = "";
      const result = await readCompletionStream(res.body, (t) => {
        answer += t;
        setTurns([...messages, { role: "assistant", content: answer }]);
      });
      setTurns([
        ...messages,
        {
          role: "assistant",
          content: answer,
          requestId: result.requestId ?? undefined,
          credits: result.usage?.credits_charged,
          tokens: result.usage ? { prompt: result.usage.prompt_tokens, completion: result.usage.completion_tokens } : undefined,
        },
      ]);
    } catch (err) {
      if (!controller.signal.aborted) setError(err instanceof Error ? err.message : String(err));
      setTurns((t) => (t.at(-1)?.role === "assistant" && t.at(-1)?.content === "" ? t.slice(0, -1) : t));
    } finally {
      abort.current = null;
      setPending(false);
      setBalance(await refreshBalance());
    }
  }

  return (
    <div className="grid gap-4" data-testid="playground">
      <div className="flex flex-wrap items-end gap-3">
        <SelectField label="Model" value={model} onChange={(e) => setModel(e.target.value)} data-testid="playground-model">
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.id} — {formatInteger(m.inputCreditsPer1K)} in / {formatInteger(m.outputCreditsPer1K)} out per 1K tokens
            </option>
          ))}
        </SelectField>
        <label className="flex flex-col gap-1 text-sm font-medium text-zinc-800">
          Max tokens
          <input type="number" min={1} max={4096} value={maxTokens} onChange={(e) => setMaxTokens(Math.max(1, Number(e.target.value) || 1))} className="w-28 rounded-md border border-zinc-300 px-3 py-2 text-sm" />
        </label>
        <p className="ml-auto text-sm text-zinc-700">
          Balance: <strong data-testid="playground-balance">{formatInteger(balance)}</strong> credits
        </p>
      </div>

      <ol className="grid gap-3" aria-live="polite" data-testid="playground-turns">
        {turns.map((t, i) => (
          <li key={i} className={t.role === "user" ? "rounded-md bg-zinc-100 px-3 py-2 text-sm" : "rounded-md border border-zinc-200 bg-white px-3 py-2 text-sm"}>
            <p className="whitespace-pre-wrap">{t.content || (pending && i === turns.length - 1 ? "…" : "")}</p>
            {t.credits !== undefined ? (
              <p className="mt-1 text-xs text-zinc-600" data-testid="playground-cost">
                {formatInteger(t.credits)} credits · {t.tokens?.prompt} in / {t.tokens?.completion} out tokens · request {t.requestId}
              </p>
            ) : null}
          </li>
        ))}
      </ol>

      {error ? <Alert tone="error">{error}</Alert> : null}

      <form onSubmit={send} className="grid gap-2">
        <label htmlFor="playground-input" className="text-sm font-medium text-zinc-800">
          Message
        </label>
        <textarea id="playground-input" value={draft} onChange={(e) => setDraft(e.target.value)} rows={3} className="rounded-md border border-zinc-300 px-3 py-2 text-sm" data-testid="playground-input" />
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" disabled={pending || draft.trim() === ""} data-testid="playground-send">
            {pending ? "Answering…" : "Send"}
          </Button>
          {pending ? (
            <Button type="button" variant="secondary" onClick={() => abort.current?.abort()}>
              Stop
            </Button>
          ) : null}
          {estimate && draft.trim() !== "" ? (
            <p className={estimate.affordable ? "text-sm text-zinc-600" : "text-sm text-red-700"} data-testid="playground-estimate">
              Holds up to {formatInteger(estimate.hold_credits)} credits; likely {formatInteger(estimate.likely_credits.min)}–{formatInteger(estimate.likely_credits.max)}
              {estimate.affordable ? "" : " — more than your balance"}
            </p>
          ) : null}
        </div>
      </form>
    </div>
  );
}
