ALTER TABLE "account_ledger" ADD COLUMN "payment_past_due" boolean DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE "account_ledger" SET "payment_past_due" = true WHERE "status" = 'past_due';
