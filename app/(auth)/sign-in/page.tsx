import type { Metadata } from "next";
import { AuthPanel } from "@/lib/auth/ui/auth-panel";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  return <AuthPanel mode="sign-in" next={next} />;
}
