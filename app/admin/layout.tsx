import Link from "next/link";
import { requirePlatformAdminOr404 } from "@/lib/admin/http/server";
import { NavLink } from "@/components/shell/nav-link";

export const dynamic = "force-dynamic";

/** The platform console. Not for customers: anyone but a platform admin gets a 404. */
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const admin = await requirePlatformAdminOr404();
  return (
    <div className="min-h-screen">
      <header className="border-b border-zinc-200 bg-zinc-900 text-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-3 px-4 py-3">
          <Link href="/admin" className="mr-2 text-base font-semibold tracking-tight">
            Meterline admin
          </Link>
          <span className="ml-auto text-sm text-zinc-300" data-testid="admin-signed-in-as">
            {admin.email}
          </span>
          <Link href="/dashboard" className="text-sm text-zinc-200 underline">
            Back to the app
          </Link>
        </div>
      </header>
      <nav aria-label="Admin" className="mx-auto flex max-w-6xl gap-1 px-4 pt-3">
        <NavLink href="/admin">Overview</NavLink>
        <NavLink href="/admin/customers">Customers</NavLink>
        <NavLink href="/admin/mail">Mail</NavLink>
      </nav>
      <main className="mx-auto max-w-6xl px-4 py-6">{children}</main>
    </div>
  );
}
