import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/page-header";
import { Card } from "@/components/ui/card";
import { Alert } from "@/components/ui/alert";
import { CheckoutStatus } from "@/components/billing/checkout-status";
import { sessionIdSchema } from "@/lib/billing/schemas";

export const metadata: Metadata = { title: "Purchase complete" };

export default async function CheckoutSuccessPage({ searchParams }: { searchParams: Promise<{ session_id?: string }> }) {
  const { session_id } = await searchParams;
  const parsed = sessionIdSchema.safeParse(session_id);
  return (
    <>
      <PageHeader title="Thank you" description="Your credit pack purchase" />
      <Card>{parsed.success ? <CheckoutStatus sessionId={parsed.data} /> : <Alert tone="error">This link is missing its checkout session.</Alert>}</Card>
    </>
  );
}
