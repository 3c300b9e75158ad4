import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { requireAccountContext } from "@/lib/auth/server";
import { getBalance } from "@/lib/ledger";
import { priceBook } from "@/lib/config/price-book";
import { playgroundConfirmAboveCredits } from "@/lib/config/playground";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { PlaygroundChat } from "@/components/playground/chat";
import { refreshBalanceAction } from "./actions";

export const metadata: Metadata = { title: "Playground" };

export default async function PlaygroundPage() {
  const { account } = await requireAccountContext();
  const { availableCredits } = await getBalance(getDb(), account.id);
  return (
    <>
      <PageHeader title="Playground" description="Chat with any model. Requests are metered like API calls and billed to this account: you see the cost before sending and after each reply." />
      <Card>
        <PlaygroundChat models={priceBook.map((m) => ({ id: m.id, description: m.description }))} confirmAbove={playgroundConfirmAboveCredits} initialBalance={availableCredits} refreshBalance={refreshBalanceAction} />
      </Card>
    </>
  );
}
