import { getEnv } from "@/lib/config/env";

/** Slack incoming webhook; throws on anything but 2xx so the delivery is retried. */
export async function postToSlack(text: string): Promise<void> {
  const url = getEnv().SLACK_WEBHOOK_URL;
  if (!url) throw new Error("SLACK_WEBHOOK_URL is not set");
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text }),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) throw new Error(`Slack answered ${res.status}: ${(await res.text().catch(() => "")).slice(0, 200)}`);
}

export function slackConfigured(): boolean {
  return Boolean(getEnv().SLACK_WEBHOOK_URL);
}
