import { type AuditInput, auditRow } from "@/lib/audit/audit";
import { prisma } from "@/lib/db/client";

/**
 * The install funnel's *completed* row of a download nginx sent, written at
 * most once per download id: the INSERT … ON CONFLICT on
 * audit_events_download_complete_once (migration 20261208110000_offload_completions)
 * makes a second report of the same download a no-op. Returns whether the row was written.
 */
export async function recordDownloadCompletionOnce(
  download: string,
  input: Omit<AuditInput, "action" | "details"> & { details?: Record<string, string> },
): Promise<boolean> {
  const row = auditRow({ ...input, action: "ipa.download_complete", details: { ...input.details, download } });
  const written = await prisma().$executeRaw`
    INSERT INTO audit_events (action, actor_id, actor_email, app_id, build_id, ip, user_agent, details)
    VALUES (${row.action}, ${row.actorId}::uuid, ${row.actorEmail}, ${row.appId}::uuid, ${row.buildId}::uuid,
            ${row.ip}, ${row.userAgent}, ${JSON.stringify(row.details)}::jsonb)
    ON CONFLICT ((details->>'download')) WHERE action = 'ipa.download_complete' AND details ? 'download' DO NOTHING`;
  return written > 0;
}
