import { formatInteger } from "@/components/ui/format";

export type Turn = {
  role: "user" | "assistant";
  content: string;
  /** Assistant turns only. */
  status?: "streaming" | "done" | "stopped" | "error";
  charged?: number | null;
  balanceAfter?: number | null;
  requestId?: string | null;
  error?: string;
};

/** The conversation, newest last; a screen reader hears each finished reply (role="log"). */
export function Messages({ turns }: { turns: Turn[] }) {
  if (turns.length === 0) {
    return <p className="rounded-md border border-dashed border-zinc-300 px-4 py-6 text-center text-sm text-zinc-600">No messages yet. Each reply is billed to this account and shows what it cost.</p>;
  }
  return (
    <div role="log" aria-label="Conversation">
      <ol className="flex flex-col gap-3" data-testid="playground-messages">
      {turns.map((t, i) =>
        t.role === "user" ? (
          <li key={i} className="ml-auto max-w-[85%] rounded-lg bg-brand-50 px-3 py-2 text-sm text-zinc-900" data-testid="playground-user-message">
            <span className="sr-only">You: </span>
            <p className="whitespace-pre-wrap">{t.content}</p>
          </li>
        ) : (
          <li key={i} className="max-w-[85%] rounded-lg border border-zinc-200 bg-white px-3 py-2 text-sm" data-testid="playground-reply" data-status={t.status}>
            <span className="sr-only">Model: </span>
            <p className="whitespace-pre-wrap text-zinc-900" aria-busy={t.status === "streaming"}>
              {t.content}
              {t.status === "streaming" ? <span className="ml-0.5 inline-block h-3.5 w-1.5 animate-pulse bg-zinc-400 align-middle" aria-hidden="true" /> : null}
            </p>
            {t.error ? (
              <p role="alert" className="mt-1 text-xs text-red-700">
                {t.error}
              </p>
            ) : null}
            {t.status !== "streaming" && t.charged != null ? (
              <p className="mt-2 text-xs tabular-nums text-zinc-600" data-testid="playground-reply-cost">
                {t.status === "stopped" ? "Stopped · " : ""}Charged <strong className="text-zinc-800" data-value={t.charged}>{formatInteger(t.charged)}</strong> credits
                {t.balanceAfter != null ? (
                  <>
                    {" · balance "}
                    <span data-testid="playground-reply-balance" data-value={t.balanceAfter}>
                      {formatInteger(t.balanceAfter)}
                    </span>
                  </>
                ) : null}
                {t.requestId ? (
                  <>
                    {" · "}
                    <a className="text-brand-700 underline" href={`/settings/usage/requests/${encodeURIComponent(t.requestId)}`}>
                      receipt<span className="sr-only"> for this reply</span>
                    </a>
                  </>
                ) : null}
              </p>
            ) : null}
          </li>
        ),
      )}
      </ol>
    </div>
  );
}
