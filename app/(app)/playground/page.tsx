import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { requireAccountContext } from "@/lib/auth/server";
import { getBalance } from "@/lib/ledger";
import { priceBook, TOKENS_PER_CREDIT_STANDARD } from "@/lib/config/price-book";
import { PageHeader } from "@/components/ui/page-header";
import { Card } from "@/components/ui/card";
import { Playground } from "@/components/playground/playground";
import { refreshBalanceAction } from "./actions";

export const metadata: Metadata = { title: "Playground" };

/** Chat through the metered gateway with the signed-in session: same holds, receipts and prices as the API. */
export default async function PlaygroundPage() {
  const { account } = await requireAccountContext();
  const balance = await getBalance(getDb(), account.id);
  const models = priceBook.map((m) => ({ id: m.id, description: m.description, inputCreditsPer1K: m.inputCreditsPer1K, outputCreditsPer1K: m.outputCreditsPer1K }));
  return (
    <>
      <PageHeader
        title="Playground"
        description={`Replies are billed to ${account.name} like API calls (1 credit = ${TOKENS_PER_CREDIT_STANDARD} token of the standard model). Each reply shows its cost.`}
      />
      <Card>
        <Playground models={models} initialBalance={balance.availableCredits} refreshBalance={refreshBalanceAction} />
      </Card>
    </>
  );
}
