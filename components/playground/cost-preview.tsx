import { Alert } from "@/components/ui/alert";
import { formatInteger } from "@/components/ui/format";

export type Estimate = {
  model: string;
  input_tokens: number;
  max_output_tokens: number;
  hold_credits: number;
  likely_credits: { min: number; max: number };
  available_credits: number;
  affordable: boolean;
};

/** What the request would cost, from /api/v1/estimate: before anything is sent or held. */
export function CostPreview({ estimate, loading, error }: { estimate: Estimate | null; loading: boolean; error: string | null }) {
  if (error) return <Alert tone="error">{error}</Alert>;
  if (!estimate) return <p className="text-sm text-zinc-600">{loading ? "Estimating…" : "Type a prompt to see its cost."}</p>;
  return (
    <div className="rounded-md border border-zinc-200 bg-zinc-50 px-3 py-2 text-sm" data-testid="cost-preview" aria-live="polite" aria-busy={loading}>
      <p className="text-zinc-800">
        Costs <strong className="tabular" data-testid="cost-preview-min" data-value={estimate.likely_credits.min}>{formatInteger(estimate.likely_credits.min)}</strong>–
        <strong className="tabular" data-testid="cost-preview-max" data-value={estimate.likely_credits.max}>{formatInteger(estimate.likely_credits.max)}</strong> credits
        <span className="text-zinc-600">
          {" "}
          (<span data-testid="cost-preview-input-tokens" data-value={estimate.input_tokens}>{formatInteger(estimate.input_tokens)}</span> prompt tokens + up to{" "}
          <span data-testid="cost-preview-max-output" data-value={estimate.max_output_tokens}>{formatInteger(estimate.max_output_tokens)}</span> output tokens on {estimate.model})
        </span>
      </p>
      <p className="tabular text-xs text-zinc-600">
        Holds <span data-testid="cost-preview-hold" data-value={estimate.hold_credits}>{formatInteger(estimate.hold_credits)}</span> while running; you have {formatInteger(estimate.available_credits)} available.
      </p>
      {!estimate.affordable ? (
        <p className="mt-1 font-medium text-red-800" data-testid="cost-preview-unaffordable">
          Not enough credits: this request would be refused (HTTP 402). Lower max tokens or top up.
        </p>
      ) : null}
    </div>
  );
}
