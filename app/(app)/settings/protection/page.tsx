import { getDb } from "@/db/client";
import { hasRole } from "@/lib/accounts/roles";
import { requireAccountContext } from "@/lib/auth/server";
import { getProtectionStatus } from "@/lib/protection/status";
import { ResumeForm } from "@/components/notifications/resume-form";
import { Alert } from "@/components/ui/alert";
import { Card, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { formatDateTime } from "@/components/ui/format";
import { resumeBreakerAction } from "./actions";

export const metadata = { title: "Protection · Meterline" };

export default async function ProtectionPage() {
  const { ctx } = await requireAccountContext();
  const status = await getProtectionStatus(getDb(), ctx.accountId);
  const canResume = hasRole(ctx.role, "admin");
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Protection" description="The circuit breaker pauses requests when spend jumps far above this account's usual rate, or when an API key repeats the same request in a loop." />
      {status.accountStatus === "frozen" && status.openTrips.every((t) => t.scope !== "account") ? (
        <Alert tone="error" data-testid="account-frozen">
          This account is frozen{status.statusReason ? `: ${status.statusReason}` : ""}. Contact support to lift it.
        </Alert>
      ) : null}
      <Card data-testid="protection-status">
        <CardHeader title="Circuit breaker" description={status.breakerEnabled ? "On" : "Off"} />
        {status.openTrips.length === 0 ? <p className="text-sm text-zinc-700">Nothing is paused.</p> : null}
        {status.openTrips.map((t) => (
          <Alert key={t.id} tone="error" className="mb-3" data-testid="trip">
            {t.message} <span className="text-xs">({formatDateTime(t.trippedAt)})</span>
          </Alert>
        ))}
        {status.cautiousUntil ? <Alert tone="warning">Cautious mode: a reduced request rate until {formatDateTime(status.cautiousUntil)}.</Alert> : null}
        {status.openTrips.length > 0 ? canResume ? <ResumeForm action={resumeBreakerAction} /> : <p className="text-sm text-zinc-700">Ask an owner or admin of this account to resume.</p> : null}
      </Card>
    </div>
  );
}
