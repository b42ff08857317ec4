-- A download nginx sent (DOWNLOAD_OFFLOAD=nginx) counts as completed once, whatever
-- nginx's reports say: the download id Ferry minted is unique among completion rows, so
-- the INSERT … ON CONFLICT DO NOTHING of a replayed report is a no-op
-- (lib/download/offload-completion.ts). Receipts expire well before audit rows are pruned.
CREATE UNIQUE INDEX "audit_events_download_complete_once" ON "audit_events" (("details"->>'download'))
    WHERE "action" = 'ipa.download_complete' AND "details" ? 'download';
