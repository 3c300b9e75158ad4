CREATE TABLE "gateway_idempotency_keys" (
	"account_id" text NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"request_id" text NOT NULL,
	"state" text NOT NULL,
	"response_status" integer,
	"response_headers" jsonb,
	"response_body" text,
	"stream" boolean DEFAULT false NOT NULL,
	"locked_until" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gateway_idempotency_keys_account_id_key_pk" PRIMARY KEY("account_id","key")
);
--> statement-breakpoint
CREATE TABLE "gateway_key_settings" (
	"api_key_id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"cache_enabled" boolean DEFAULT false NOT NULL,
	"cache_ttl_seconds" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gateway_response_cache" (
	"account_id" text NOT NULL,
	"model" text NOT NULL,
	"request_hash" text NOT NULL,
	"response" jsonb NOT NULL,
	"source_request_id" text NOT NULL,
	"hits" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gateway_response_cache_account_id_model_request_hash_pk" PRIMARY KEY("account_id","model","request_hash")
);
--> statement-breakpoint
ALTER TABLE "gateway_idempotency_keys" ADD CONSTRAINT "gateway_idempotency_keys_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_key_settings" ADD CONSTRAINT "gateway_key_settings_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_key_settings" ADD CONSTRAINT "gateway_key_settings_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_response_cache" ADD CONSTRAINT "gateway_response_cache_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "gateway_idempotency_keys_expires_idx" ON "gateway_idempotency_keys" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "gateway_response_cache_expires_idx" ON "gateway_response_cache" USING btree ("expires_at");