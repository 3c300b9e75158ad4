import { getDb } from "@/db/client";
import { listMailbox } from "@/lib/admin/mail";
import { requirePlatformAdminOr404 } from "@/lib/admin/http/server";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { formatDateTime } from "@/components/ui/format";

export const metadata = { title: "Mail · Admin" };

/** The sandbox mail catcher: with no SMTP_URL, every email the app would send is recorded and shown here. */
export default async function MailPage() {
  const admin = await requirePlatformAdminOr404();
  const { mode, mails } = await listMailbox(getDb(), admin);
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Mail" description="Every email the app sent or recorded, newest first." />
      {mode === "outbox" ? <Alert tone="info">Sandbox: no SMTP_URL is set, so emails are recorded here instead of being sent.</Alert> : null}
      <div className="flex flex-col gap-3" data-testid="mailbox">
        {mails.length === 0 ? <p className="text-sm text-zinc-600">No mail yet.</p> : null}
        {mails.map((m) => (
          <Card key={m.id} data-testid="mail">
            <p className="text-sm text-zinc-600">
              To {m.toAddress} · {formatDateTime(m.createdAt)} · {m.channel} ({m.status}
              {m.error ? `: ${m.error}` : ""})
            </p>
            <h2 className="mt-1 font-semibold text-zinc-900">{m.subject}</h2>
            <pre className="mt-2 whitespace-pre-wrap text-sm text-zinc-800">{m.textBody}</pre>
          </Card>
        ))}
      </div>
    </div>
  );
}
