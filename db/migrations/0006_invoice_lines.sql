ALTER TABLE "billing_invoices" ADD COLUMN "lines" jsonb DEFAULT '[]'::jsonb NOT NULL;
