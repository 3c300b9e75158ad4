import Link from "next/link";
import { requireAccountContext } from "@/lib/auth/server";
import { SignOutControl } from "@/lib/auth/ui/sign-out-button";
import { AccountSwitcher } from "@/components/shell/account-switcher";
import { NavLink } from "@/components/shell/nav-link";
import { appNav } from "@/components/shell/app-nav";
import { CreditBar } from "@/components/shell/credit-bar";
import { LimitNotice } from "@/components/usage/limit-notice";
import { getDb } from "@/db/client";
import { getCreditStatus } from "@/lib/usage/credit-status";
import { showsLimitNotice } from "@/lib/usage/limit-state";
import { NotificationsLink } from "@/components/notifications/notifications-link";
import { switchAccountAction } from "./actions";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const { identity, account, accounts } = await requireAccountContext();
  const credits = await getCreditStatus(getDb(), account.id);
  return (
    <div className="min-h-screen">
      <header className="border-b border-zinc-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-3 px-4 py-3">
          <Link href="/dashboard" className="mr-2 text-base font-semibold tracking-tight">
            Meterline
          </Link>
          <AccountSwitcher accounts={accounts} currentId={account.id} action={switchAccountAction} />
          <div className="ml-auto flex items-center gap-2">
            <CreditBar status={credits} />
            <NotificationsLink accountId={account.id} />
            <span className="hidden text-sm text-zinc-600 sm:inline" data-testid="signed-in-as">
              {identity.email}
            </span>
            <SignOutControl />
          </div>
        </div>
        <nav aria-label="Main" className="mx-auto flex max-w-6xl gap-1 overflow-x-auto px-4 pb-2">
          {appNav.map((item) => (
            <NavLink key={item.href} href={item.href}>
              {item.label}
            </NavLink>
          ))}
        </nav>
      </header>
      {showsLimitNotice(credits) ? (
        <div className="mx-auto max-w-6xl px-4 pt-4" data-testid="shell-limit-notice">
          <LimitNotice state={credits} />
        </div>
      ) : null}
      <main className="mx-auto max-w-6xl px-4 py-8">{children}</main>
    </div>
  );
}
