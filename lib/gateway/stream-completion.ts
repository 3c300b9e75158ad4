import type { Receipt } from "@/lib/ledger";
import type { PreparedCompletion } from "./prepare";
import { SSE_DONE, sseData, type TextPushSource, type TextSink } from "./respond";
import type { Settlement } from "./settlement";
import { StreamAccumulator } from "./stream-accumulator";
import { readSseBatches } from "./upstream/sse";
import { chunkForwarder, restamp } from "./stream-chunk";
import type { UpstreamStream } from "./upstream/call";
import { usageForClient, usageFromUpstream, type TokenUsage } from "./usage";

export type StreamHooks = {
  /** The stream completed normally (finish reason on every choice): e.g. store it in the cache. */
  onComplete?: (result: { choices: Record<string, unknown>[]; usage: TokenUsage; transcript: string; receipt: Receipt }) => Promise<void>;
  /**
   * The stream did not complete (client left, upstream broke). `charged` is what was billed for the
   * part generated (null when settling failed and nothing was charged).
   */
  onIncomplete?: (charged: { choices: Record<string, unknown>[]; usage: TokenUsage; receipt: Receipt } | null) => Promise<void>;
};

type Outcome = { kind: "complete" } | { kind: "client_gone" } | { kind: "upstream_broke"; message: string };

/**
 * Forwards the upstream's SSE to the client, chunk by chunk, with our request id and model name.
 * At the end it settles the hold once — from the upstream's usage chunk, or by counting what was
 * delivered when there is none or the stream was cut — then sends the usage with the credits
 * charged (on the finishing chunk, or as a separate usage chunk when the client asked for
 * stream_options.include_usage) and [DONE].
 *
 * A client that disconnects (req.signal, or the response stream cancelled) aborts the upstream at
 * once and is billed for what was generated up to then (status "partial").
 */
export function streamCompletion(args: {
  requestId: string;
  prepared: PreparedCompletion;
  upstream: UpstreamStream;
  settlement: Settlement;
  clientSignal: AbortSignal;
  idleTimeoutMs: number;
  /** Keep the full text sent (for an idempotent replay). */
  keepTranscript: boolean;
  /** Send the final usage chunk and [DONE] without waiting for the capture's commit when the charge is known (Settlement.charge). */
  answerFirst: boolean;
  hooks: StreamHooks;
}): TextPushSource {
  const { requestId, prepared, upstream, settlement, clientSignal } = args;
  const accumulator = new StreamAccumulator();
  const forward = chunkForwarder(requestId, prepared.price.id);
  const transcript: string[] = [];
  let clientGone = false;
  let upstreamUsage: unknown = null;
  let sink: TextSink | undefined;

  // The client is gone: stop the upstream now (it bills by the token) and end our side of the
  // stream, so whoever still reads it (a proxy, an in-process caller) sees an error, not a hang.
  const leave = () => {
    if (clientGone) return;
    clientGone = true;
    upstream.abort();
    try {
      sink?.error(new Error("client disconnected"));
    } catch {
      // already closed
    }
  };

  return {
    start(to) {
      sink = to;
      const send = (text: string) => {
        if (args.keepTranscript) transcript.push(text);
        if (clientGone) return;
        try {
          to.write(text);
        } catch {
          leave();
        }
      };
      const close = () => {
        if (clientGone) return;
        try {
          to.close();
        } catch {
          // already closed by a cancel
        }
      };
      if (clientSignal.aborted) leave();
      clientSignal.addEventListener("abort", leave, { once: true });

      const pump = async (): Promise<Outcome> => {
        // Without include_usage the client still gets usage + credits, on the finishing chunk,
        // which is therefore held back until the hold is settled.
        let heldBack: Record<string, unknown> | null = null;
        // After [DONE] the rest of the body is still read to its end (normally: nothing), so the
        // keep-alive connection goes back to the pool instead of being destroyed.
        let done = false;
        try {
          for await (const events of readSseBatches(upstream.chunks, args.idleTimeoutMs, (e) => upstream.abort(e))) {
            // Everything from one upstream read goes to the client in one write.
            if (done) continue;
            let out = "";
            for (const data of events) {
              if (data === "[DONE]") {
                done = true;
                break;
              }
              let chunk: Record<string, unknown>;
              try {
                chunk = JSON.parse(data) as Record<string, unknown>;
              } catch {
                continue; // a keep-alive or a provider's non-JSON note
              }
              if (chunk.error) {
                if (out) send(out);
                return { kind: "upstream_broke", message: errorMessageOf(chunk.error) };
              }
              if (chunk.usage) upstreamUsage = chunk.usage;
              const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
              if (choices.length === 0) continue; // the upstream's usage chunk: ours replaces it
              accumulator.add(choices);
              if (heldBack) out += sseData(heldBack);
              heldBack = null;
              const finishing = choices.some((c) => c && typeof c === "object" && typeof (c as { finish_reason?: unknown }).finish_reason === "string");
              if (finishing && !prepared.clientWantsUsageChunk) {
                restamp(chunk, requestId, prepared.price.id);
                heldBack = chunk;
              } else {
                out += `data: ${forward(data, chunk)}\n\n`;
              }
            }
            if (out) send(out);
          }
        } catch (e) {
          if (clientGone || clientSignal.aborted) return { kind: "client_gone" };
          if (done && accumulator.finished) return { kind: "complete" };
          return { kind: "upstream_broke", message: e instanceof Error ? e.message : String(e) };
        } finally {
          held.chunk = heldBack;
        }
        if (clientGone) return { kind: "client_gone" };
        if (!accumulator.finished) return { kind: "upstream_broke", message: "the model provider ended the stream early" };
        return { kind: "complete" };
      };
      // The finishing chunk the pump held back, if any (see above).
      const held: { chunk: Record<string, unknown> | null } = { chunk: null };

      void (async () => {
        const outcome = await pump();
        clientSignal.removeEventListener("abort", leave);
        const reported = outcome.kind === "complete" ? usageFromUpstream(upstreamUsage) : null;
        const usage: TokenUsage = reported ?? {
          inputTokens: usageFromUpstream(upstreamUsage)?.inputTokens ?? prepared.inputTokens,
          outputTokens: accumulator.countOutputTokens(),
          cachedTokens: 0,
        };
        let charged: { chargedCredits: number; receipt: Promise<Receipt> };
        try {
          charged = await settlement.charge({ usage, status: outcome.kind === "complete" ? "succeeded" : "partial" }, { answerFirst: args.answerFirst });
        } catch (e) {
          console.error(`gateway: settling stream ${requestId} failed; the hold is left to the sweeper`, e);
          send(sseData({ error: { message: "Billing failed for this request; it was not charged", type: "server_error", code: "internal_error", param: null } }));
          close();
          await args.hooks.onIncomplete?.(null).catch(logHookError);
          return;
        }
        const clientUsage = usageForClient(usage, charged.chargedCredits, reported ? upstreamUsage : undefined);
        if (held.chunk) send(sseData({ ...held.chunk, usage: clientUsage }));
        if (prepared.clientWantsUsageChunk) {
          send(sseData({ id: requestId, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model: prepared.price.id, choices: [], usage: clientUsage }));
        }
        if (outcome.kind === "upstream_broke") {
          send(sseData({ error: { message: `The model provider failed mid-stream (${outcome.message}); you were charged only for the ${usage.outputTokens} tokens delivered`, type: "upstream_error", code: "upstream_failed", param: null, credits_charged: charged.chargedCredits } }));
        } else if (outcome.kind === "complete") {
          send(SSE_DONE);
        }
        close();
        // Answered: what follows needs the committed receipt (behind the answer, it may still be on its way).
        let receipt: Receipt;
        try {
          receipt = await charged.receipt;
        } catch {
          await args.hooks.onIncomplete?.(null).catch(logHookError); // logged by Settlement.charge: not charged
          return;
        }
        if (outcome.kind === "complete") {
          await args.hooks.onComplete?.({ choices: accumulator.toChoices(), usage, transcript: transcript.join(""), receipt }).catch(logHookError);
        } else {
          await args.hooks.onIncomplete?.({ choices: accumulator.toChoices(), usage, receipt }).catch(logHookError);
        }
      })();
    },
    cancel() {
      leave();
    },
  };
}

function errorMessageOf(error: unknown): string {
  if (error && typeof error === "object" && typeof (error as { message?: unknown }).message === "string") return (error as { message: string }).message;
  return "unknown error";
}

function logHookError(e: unknown): void {
  console.error("gateway: stream completion hook failed", e);
}
