"use client";

import { useEffect, useId, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field, SelectField } from "@/components/ui/field";
import { formatInteger } from "@/components/ui/format";
import { CostPreview, type Estimate } from "./cost-preview";

type Reply = { text: string; charged: number | null; requestId: string | null };

const body = (model: string, prompt: string, maxTokens: number) =>
  JSON.stringify({ model, max_tokens: maxTokens, messages: [{ role: "user", content: prompt }] });

async function errorMessage(res: Response): Promise<string> {
  const j = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return j?.error?.message ?? `Request failed (HTTP ${res.status})`;
}

/** Prompt → live cost preview → (confirm when expensive) → send through the metered gateway. */
export function Playground({ models, confirmAbove }: { models: { id: string; description: string }[]; confirmAbove: number }) {
  const [model, setModel] = useState(models[0]?.id ?? "standard");
  const [prompt, setPrompt] = useState("");
  const [maxTokens, setMaxTokens] = useState(512);
  const [fetched, setEstimate] = useState<Estimate | null>(null);
  const [estimating, setEstimating] = useState(false);
  const [estimateError, setEstimateError] = useState<string | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const [sending, setSending] = useState(false);
  const [reply, setReply] = useState<Reply | null>(null);
  const [sendError, setSendError] = useState<string | null>(null);
  const promptId = useId();

  const estimate = prompt.trim() ? fetched : null;
  // A confirmation is for one request: any edit asks again.
  const edit = <T,>(set: (v: T) => void) => (v: T) => {
    setConfirmed(false);
    set(v);
  };

  useEffect(() => {
    if (!prompt.trim()) return;
    const ctrl = new AbortController();
    const timer = setTimeout(async () => {
      setEstimating(true);
      try {
        const res = await fetch("/api/v1/estimate", { method: "POST", headers: { "content-type": "application/json" }, body: body(model, prompt, maxTokens), signal: ctrl.signal });
        if (!res.ok) throw new Error(await errorMessage(res));
        setEstimate((await res.json()) as Estimate);
        setEstimateError(null);
      } catch (e) {
        if (!ctrl.signal.aborted) setEstimateError(e instanceof Error ? e.message : "Could not estimate");
      } finally {
        if (!ctrl.signal.aborted) setEstimating(false);
      }
    }, 300);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [model, prompt, maxTokens]);

  const expensive = (estimate?.hold_credits ?? 0) > confirmAbove;
  const canSend = !!estimate && estimate.affordable && !sending && (!expensive || confirmed);

  async function send(e: React.FormEvent) {
    e.preventDefault();
    setSending(true);
    setSendError(null);
    try {
      const res = await fetch("/api/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json", "x-action": "playground" },
        body: body(model, prompt, maxTokens),
      });
      if (!res.ok) throw new Error(await errorMessage(res));
      const j = (await res.json()) as { choices?: { message?: { content?: string } }[] };
      const charged = res.headers.get("x-credits-charged");
      setReply({ text: j.choices?.[0]?.message?.content ?? "", charged: charged === null ? null : Number(charged), requestId: res.headers.get("x-request-id") });
    } catch (err) {
      setSendError(err instanceof Error ? err.message : "Request failed");
    } finally {
      setSending(false);
    }
  }

  return (
    <form onSubmit={send} className="flex flex-col gap-4" data-testid="playground">
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
          Prompt
        </label>
        <textarea id={promptId} rows={5} value={prompt} onChange={(e) => edit(setPrompt)(e.target.value)} className="rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm shadow-sm" data-testid="playground-prompt" />
      </div>
      <CostPreview estimate={estimate} loading={estimating} error={estimateError} />
      {expensive && estimate?.affordable ? (
        <label className="flex items-start gap-2 text-sm text-amber-900">
          <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} className="mt-0.5 size-4" data-testid="playground-confirm" />
          This request can cost up to {formatInteger(estimate.hold_credits)} credits. Send it anyway.
        </label>
      ) : null}
      <div>
        <Button type="submit" disabled={!canSend} data-testid="playground-send">
          {sending ? "Sending…" : "Send"}
        </Button>
      </div>
      {sendError ? <Alert tone="error">{sendError}</Alert> : null}
      {reply ? (
        <div className="rounded-md border border-zinc-200 bg-white p-3" data-testid="playground-reply">
          <p className="whitespace-pre-wrap text-sm text-zinc-900">{reply.text}</p>
          <p className="tabular mt-2 text-xs text-zinc-600">
            Charged {reply.charged === null ? "—" : formatInteger(reply.charged)} credits
            {reply.requestId ? (
              <>
                {" · "}
                <a className="text-brand-700 underline" href={`/settings/usage/requests/${encodeURIComponent(reply.requestId)}`}>
                  receipt
                </a>
              </>
            ) : null}
          </p>
        </div>
      ) : null}
    </form>
  );
}
