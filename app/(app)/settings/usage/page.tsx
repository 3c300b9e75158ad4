import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { requireAccountContext } from "@/lib/auth/server";
import { catalog } from "@/lib/config/catalog";
import { getUsageDashboard } from "@/lib/usage/dashboard";
import { limitHistory } from "@/lib/usage/limits-form";
import { Card, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { PeriodTotal } from "@/components/usage/period-total";
import { BalanceSources } from "@/components/usage/balance-sources";
import { ProjectedSpend } from "@/components/usage/projected-spend";
import { DailyChart } from "@/components/usage/daily-chart";
import { BreakdownTable } from "@/components/usage/breakdown-table";
import { LimitsForm } from "@/components/usage/limits-form";
import { LimitHistory } from "@/components/usage/limit-history";
import { RecentRequests } from "@/components/usage/recent-requests";
import { updateLimitsAction } from "./actions";

export const metadata: Metadata = { title: "Usage" };

export default async function UsagePage() {
  const { account, ctx } = await requireAccountContext();
  const db = getDb();
  const [d, history] = await Promise.all([getUsageDashboard(db, ctx), limitHistory(db, account.id)]);
  return (
    <>
      <PageHeader title="Usage" description={`${account.name} · current billing period`}>
        <Badge tone={d.plan.overageAllowed ? "brand" : "neutral"} data-testid="usage-plan">
          {d.plan.name} plan
        </Badge>
      </PageHeader>
      <div className="grid gap-6 [&>*]:min-w-0">
        <Card aria-labelledby="usage-period-heading">
          <h2 id="usage-period-heading" className="sr-only">This period</h2>
          <div className="grid gap-6 md:grid-cols-[3fr_2fr] [&>*]:min-w-0">
            <div className="flex flex-col gap-4">
              <PeriodTotal d={d} />
              <ProjectedSpend d={d} />
            </div>
            <BalanceSources d={d} />
          </div>
        </Card>
        <Card>
          <CardHeader title="Daily usage" description="Hover or focus a day for its credits and cost." />
          <DailyChart points={d.daily} includedPerDay={d.includedPerDayCredits} />
        </Card>
        <div className="grid gap-6 lg:grid-cols-2 [&>*]:min-w-0">
          <Card>
            <CardHeader title="Top actions" description="This period" />
            <BreakdownTable rows={d.byAction} dimension="Action" testId="usage-by-action" />
          </Card>
          <Card>
            <CardHeader title="Top models" description="This period" />
            <BreakdownTable rows={d.byModel} dimension="Model" testId="usage-by-model" />
          </Card>
          {d.byMember ? (
            <Card>
              <CardHeader title="By member" description="This period" />
              <BreakdownTable rows={d.byMember} dimension="Member" testId="usage-by-member" />
            </Card>
          ) : null}
          {d.byApiKey ? (
            <Card>
              <CardHeader title="By API key" description="This period" />
              <BreakdownTable rows={d.byApiKey} dimension="API key" testId="usage-by-key" />
            </Card>
          ) : null}
        </div>
        <Card id="limits" className="scroll-mt-6">
          <CardHeader
            title="Limits"
            description="Per billing period. Changes are recorded in the audit log."
            action={d.limitState.stopped === "hard_limit" ? <Badge tone="red" data-testid="limits-hit">Hard limit hit</Badge> : undefined}
          />
          <LimitsForm
            values={d.limits}
            canEdit={d.canEditLimits}
            hardLimitUnit={catalog.limits.hardLimitUnit}
            overageAllowed={d.plan.overageAllowed}
            action={updateLimitsAction}
          />
          <LimitHistory changes={history} />
        </Card>
        <Card>
          <CardHeader title="Recent requests" description="Open a request for its full receipt." />
          <RecentRequests receipts={d.recent} />
        </Card>
      </div>
    </>
  );
}
