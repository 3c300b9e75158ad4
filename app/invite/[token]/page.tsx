import type { Metadata } from "next";
import Link from "next/link";
import { getDb } from "@/db/client";
import { getOpenInviteByToken } from "@/lib/accounts/invites";
import { getIdentity } from "@/lib/auth/server";
import { buttonClass } from "@/components/ui/button";
import { AcceptInviteForm } from "@/components/team/accept-invite-form";
import { acceptInviteAction } from "./actions";

export const metadata: Metadata = { title: "Team invite" };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const [invite, identity] = await Promise.all([getOpenInviteByToken(getDb(), token), getIdentity()]);
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-md rounded-lg border border-zinc-200 bg-white p-6 shadow-sm">
        {!invite ? (
          <>
            <h1 className="text-lg font-semibold">This invite is no longer valid</h1>
            <p className="mt-1 text-sm text-zinc-600">It may have expired, been revoked or already used. Ask for a new one.</p>
          </>
        ) : (
          <>
            <h1 className="text-lg font-semibold">Join {invite.accountName}</h1>
            <p className="mt-1 text-sm text-zinc-600">
              You are invited as <span className="font-medium">{invite.role}</span> ({invite.email}).
            </p>
            <div className="mt-5">
              {identity ? (
                <AcceptInviteForm action={acceptInviteAction} token={token} />
              ) : (
                <div className="flex gap-2">
                  <Link className={buttonClass()} href={`/sign-in?next=/invite/${token}`}>Sign in to accept</Link>
                  <Link className={buttonClass("secondary")} href="/sign-up">Create an account</Link>
                </div>
              )}
            </div>
          </>
        )}
      </div>
    </main>
  );
}
