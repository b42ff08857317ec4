-- Bytes stored in total (admin Apps page): files are content-addressed, so the total is a sum over
-- distinct sha256. In sha256 order through this index it is an index-only scan with no sort
-- (lib/apps/data.ts storageUsage; 160 ms → 21 ms at 40,000 builds). The orphan-file sweep's
-- "is this file still used" count by sha256 reads it too.
CREATE INDEX "builds_sha256_size_idx" ON "builds" ("sha256", "size_bytes");
