CREATE TABLE "account_protection" (
	"account_id" text PRIMARY KEY NOT NULL,
	"breaker_enabled" boolean DEFAULT true NOT NULL,
	"soft_limit_defaulted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
CREATE TABLE "breaker_trips" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"scope" text NOT NULL,
	"api_key_id" text,
	"cause" text NOT NULL,
	"message" text NOT NULL,
	"details" jsonb NOT NULL,
	"tripped_at" timestamp with time zone NOT NULL,
	"resumed_at" timestamp with time zone,
	"resumed_by_user_id" text,
	"resume_reason" text,
	"cautious_until" timestamp with time zone
);--> statement-breakpoint
CREATE TABLE "invoice_flags" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"invoice_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"currency" text NOT NULL,
	"total_cents" bigint NOT NULL,
	"previous_invoice_id" text NOT NULL,
	"previous_total_cents" bigint NOT NULL,
	"increase_bps" integer NOT NULL,
	"breakdown" jsonb NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"credit_cents" bigint,
	"credit_ref" text,
	"resolved_by_user_id" text,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
CREATE TABLE "notification_deliveries" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "notification_deliveries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"notification_id" text NOT NULL,
	"channel" text NOT NULL,
	"recipient" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"kind" text NOT NULL,
	"threshold" bigint NOT NULL,
	"period_key" text NOT NULL,
	"audience" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"link" text,
	"details" jsonb,
	"read_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
ALTER TABLE "account_protection" ADD CONSTRAINT "account_protection_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "breaker_trips" ADD CONSTRAINT "breaker_trips_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_flags" ADD CONSTRAINT "invoice_flags_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_notification_id_notifications_id_fk" FOREIGN KEY ("notification_id") REFERENCES "public"."notifications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "breaker_trips_account_idx" ON "breaker_trips" USING btree ("account_id","tripped_at");--> statement-breakpoint
CREATE INDEX "breaker_trips_open_idx" ON "breaker_trips" USING btree ("tripped_at") WHERE "breaker_trips"."resumed_at" is null;--> statement-breakpoint
CREATE INDEX "breaker_trips_resumed_idx" ON "breaker_trips" USING btree ("resumed_at") WHERE "breaker_trips"."resumed_at" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "invoice_flags_invoice_uq" ON "invoice_flags" USING btree ("invoice_id");--> statement-breakpoint
CREATE INDEX "invoice_flags_open_idx" ON "invoice_flags" USING btree ("status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "notification_deliveries_once_uq" ON "notification_deliveries" USING btree ("notification_id","channel","recipient");--> statement-breakpoint
CREATE INDEX "notification_deliveries_due_idx" ON "notification_deliveries" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_once_uq" ON "notifications" USING btree ("account_id","kind","threshold","period_key");--> statement-breakpoint
CREATE INDEX "notifications_account_idx" ON "notifications" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "notifications_audience_idx" ON "notifications" USING btree ("audience","created_at");
