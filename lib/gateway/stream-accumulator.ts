import { countTextTokens } from "./tokens";

type ToolCallDraft = { id?: string; type?: string; function: { name: string; arguments: string } };
type ChoiceDraft = { role: string; content: string; toolCalls: Map<number, ToolCallDraft>; finishReason: string | null };

/**
 * Collects what a stream has delivered so far, per choice: the text, the tool calls and the
 * finish reason. It prices a stream that ended without a usage chunk (tokens counted from what was
 * actually sent) and rebuilds the full completion for the response cache.
 */
export class StreamAccumulator {
  private readonly choices = new Map<number, ChoiceDraft>();

  add(choices: readonly unknown[]): void {
    for (const raw of choices) {
      if (!raw || typeof raw !== "object") continue;
      const c = raw as { index?: unknown; delta?: Record<string, unknown>; finish_reason?: unknown };
      const index = typeof c.index === "number" ? c.index : 0;
      let draft = this.choices.get(index);
      if (!draft) {
        draft = { role: "assistant", content: "", toolCalls: new Map(), finishReason: null };
        this.choices.set(index, draft);
      }
      const delta = c.delta ?? {};
      if (typeof delta.role === "string") draft.role = delta.role;
      if (typeof delta.content === "string") draft.content += delta.content;
      if (Array.isArray(delta.tool_calls)) this.addToolCalls(draft, delta.tool_calls);
      if (typeof c.finish_reason === "string") draft.finishReason = c.finish_reason;
    }
  }

  private addToolCalls(draft: ChoiceDraft, calls: unknown[]): void {
    for (const raw of calls) {
      if (!raw || typeof raw !== "object") continue;
      const call = raw as { index?: number; id?: string; type?: string; function?: { name?: string; arguments?: string } };
      const index = call.index ?? 0;
      const existing = draft.toolCalls.get(index) ?? { function: { name: "", arguments: "" } };
      if (call.id) existing.id = call.id;
      if (call.type) existing.type = call.type;
      if (call.function?.name) existing.function.name += call.function.name;
      if (call.function?.arguments) existing.function.arguments += call.function.arguments;
      draft.toolCalls.set(index, existing);
    }
  }

  /** True when at least one choice arrived and every choice has a finish reason. */
  get finished(): boolean {
    if (this.choices.size === 0) return false;
    for (const c of this.choices.values()) if (c.finishReason === null) return false;
    return true;
  }

  /** Completion tokens as counted from the delivered text and tool-call arguments. */
  countOutputTokens(): number {
    let total = 0;
    for (const c of this.choices.values()) {
      total += countTextTokens(c.content);
      for (const t of c.toolCalls.values()) total += countTextTokens(t.function.name) + countTextTokens(t.function.arguments);
    }
    return total;
  }

  /** The equivalent non-streaming `choices` array. */
  toChoices(): Record<string, unknown>[] {
    return [...this.choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, c]) => {
        const message: Record<string, unknown> = { role: c.role, content: c.toolCalls.size > 0 && c.content === "" ? null : c.content };
        if (c.toolCalls.size > 0) message.tool_calls = [...c.toolCalls.values()].map((t) => ({ id: t.id, type: t.type ?? "function", function: t.function }));
        return { index, message, finish_reason: c.finishReason, logprobs: null };
      });
  }
}
