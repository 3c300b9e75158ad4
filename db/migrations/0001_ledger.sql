CREATE TABLE "account_ledger" (
	"account_id" text PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"remaining_credits" bigint DEFAULT 0 NOT NULL,
	"held_credits" bigint DEFAULT 0 NOT NULL,
	"overage_held_credits" bigint DEFAULT 0 NOT NULL,
	"overage_used_credits" bigint DEFAULT 0 NOT NULL,
	"period_used_credits" bigint DEFAULT 0 NOT NULL,
	"period_included_used_credits" bigint DEFAULT 0 NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"plan" text DEFAULT 'free' NOT NULL,
	"overage_allowed" boolean DEFAULT false NOT NULL,
	"overage_price_cents_per_1000_credits" bigint DEFAULT 0 NOT NULL,
	"included_credits" bigint DEFAULT 0 NOT NULL,
	"soft_limit_credits" bigint,
	"hard_limit" bigint,
	"hard_limit_unit" text DEFAULT 'credits' NOT NULL,
	"block_overage" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "account_ledger_counters_nonneg" CHECK ("account_ledger"."remaining_credits" >= 0 and "account_ledger"."held_credits" >= 0 and "account_ledger"."overage_held_credits" >= 0 and "account_ledger"."overage_used_credits" >= 0)
);
--> statement-breakpoint
CREATE TABLE "credit_grants" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"kind" text NOT NULL,
	"amount_credits" bigint NOT NULL,
	"remaining_credits" bigint NOT NULL,
	"held_credits" bigint DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone,
	"priority" integer NOT NULL,
	"source_ref" text NOT NULL,
	"reason" text,
	"actor_user_id" text,
	"amount_cents" bigint,
	"expired_at" timestamp with time zone,
	"voided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_grants_source_ref_unique" UNIQUE("source_ref"),
	CONSTRAINT "credit_grants_remaining" CHECK ("credit_grants"."remaining_credits" >= 0 and "credit_grants"."held_credits" >= 0 and "credit_grants"."held_credits" <= "credit_grants"."remaining_credits")
);
--> statement-breakpoint
CREATE TABLE "holds" (
	"id" text NOT NULL,
	"account_id" text NOT NULL,
	"request_id" text NOT NULL,
	"credits" bigint NOT NULL,
	"grant_credits" bigint NOT NULL,
	"overage_credits" bigint NOT NULL,
	"alloc_grant_ids" text[] NOT NULL,
	"alloc_kinds" text[] NOT NULL,
	"alloc_credits" bigint[] NOT NULL,
	"status" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"meta" jsonb,
	"release_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone,
	CONSTRAINT "holds_pkey" PRIMARY KEY("account_id","request_id")
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "ledger_entries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"account_id" text NOT NULL,
	"kind" text NOT NULL,
	"grant_id" text,
	"request_id" text,
	"remaining_delta" bigint DEFAULT 0 NOT NULL,
	"held_delta" bigint DEFAULT 0 NOT NULL,
	"overage_held_delta" bigint DEFAULT 0 NOT NULL,
	"overage_used_delta" bigint DEFAULT 0 NOT NULL,
	"idempotency_key" text NOT NULL,
	"reason" text,
	"actor_user_id" text,
	"details" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_entries_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "ledger_entries_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "limit_notifications" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "limit_notifications_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"account_id" text NOT NULL,
	"kind" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"threshold" bigint NOT NULL,
	"value" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "meter_outbox" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "meter_outbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"account_id" text NOT NULL,
	"request_id" text NOT NULL,
	"credits" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reported_at" timestamp with time zone,
	"report_id" text,
	CONSTRAINT "meter_outbox_account_request_uq" UNIQUE("account_id","request_id")
);
--> statement-breakpoint
CREATE TABLE "usage_daily" (
	"account_id" text NOT NULL,
	"day" date NOT NULL,
	"action" text,
	"model" text NOT NULL,
	"user_id" text,
	"api_key_id" text,
	"requests" bigint NOT NULL,
	"cache_hits" bigint NOT NULL,
	"charged_credits" bigint NOT NULL,
	"overage_credits" bigint NOT NULL,
	"included_credits" bigint NOT NULL,
	"input_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	CONSTRAINT "usage_daily_key_uq" UNIQUE NULLS NOT DISTINCT("account_id","day","action","model","user_id","api_key_id")
);
--> statement-breakpoint
CREATE TABLE "usage_events" (
	"account_id" text NOT NULL,
	"request_id" text NOT NULL,
	"user_id" text,
	"api_key_id" text,
	"action" text,
	"model" text NOT NULL,
	"input_tokens" integer NOT NULL,
	"output_tokens" integer NOT NULL,
	"cached_tokens" integer DEFAULT 0 NOT NULL,
	"cache_hit" boolean DEFAULT false NOT NULL,
	"status" text NOT NULL,
	"latency_ms" integer,
	"held_credits" bigint NOT NULL,
	"requested_credits" bigint NOT NULL,
	"charged_credits" bigint NOT NULL,
	"capped_credits" bigint NOT NULL,
	"overage_credits" bigint NOT NULL,
	"included_credits" bigint NOT NULL,
	"grants" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_events_pkey" PRIMARY KEY("account_id","request_id")
);
--> statement-breakpoint
ALTER TABLE "account_ledger" ADD CONSTRAINT "account_ledger_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_grants" ADD CONSTRAINT "credit_grants_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "credit_grants_burn_idx" ON "credit_grants" USING btree ("account_id","expires_at","priority","created_at");--> statement-breakpoint
CREATE INDEX "credit_grants_expiry_idx" ON "credit_grants" USING btree ("expires_at") WHERE "credit_grants"."expired_at" is null and "credit_grants"."expires_at" is not null;--> statement-breakpoint
CREATE INDEX "holds_open_expiry_idx" ON "holds" USING btree ("expires_at") WHERE "holds"."status" = 'held';--> statement-breakpoint
CREATE UNIQUE INDEX "limit_notifications_once_uq" ON "limit_notifications" USING btree ("account_id","kind","period_start","threshold");--> statement-breakpoint
CREATE INDEX "meter_outbox_unreported_idx" ON "meter_outbox" USING btree ("account_id","id") WHERE "meter_outbox"."reported_at" is null;--> statement-breakpoint
CREATE INDEX "usage_events_account_created_idx" ON "usage_events" USING btree ("account_id","created_at");