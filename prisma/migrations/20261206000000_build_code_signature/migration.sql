-- The code-signature report of each build (issue 16): verified at upload; NULL for builds stored before.
ALTER TABLE "builds" ADD COLUMN "code_signature" JSONB;
