import type { Metadata } from "next";
import { priceBook } from "@/lib/config/price-book";
import { playgroundConfirmAboveCredits } from "@/lib/config/playground";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Playground } from "@/components/playground/playground";

export const metadata: Metadata = { title: "Playground" };

export default function PlaygroundPage() {
  return (
    <>
      <PageHeader title="Playground" description="Requests here are metered like API calls and billed to the current account." />
      <Card>
        <Playground models={priceBook.map((m) => ({ id: m.id, description: m.description }))} confirmAbove={playgroundConfirmAboveCredits} />
      </Card>
    </>
  );
}
