"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getDb } from "@/db/client";
import { accountAction } from "@/lib/http/action";
import { markAllNotificationsRead } from "@/lib/notifications";

export const markAllReadAction = accountAction(z.object({}), {}, async (_input, ctx) => {
  await markAllNotificationsRead(getDb(), ctx.accountId);
  revalidatePath("/notifications");
  return { ok: true, message: "All read" };
});
