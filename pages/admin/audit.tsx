import type { GetServerSideProps } from "next";
import { AuditLogView, type AuditLogViewProps } from "@/components/admin/audit-log-view";
import { type LitePageProps, litePageOf } from "@/components/layout/lite-page";
import { litePageNotFound, litePageProps } from "@/components/layout/shell-props";
import { listAppSettings } from "@/lib/apps/data";
import { isAuditAction } from "@/lib/audit/audit-actions";
import { searchAuditForAdmin } from "@/lib/audit/audit-search";
import { requirePermissionRequest } from "@/lib/auth/require-user";

/**
 * The audit log (/admin/audit). Nothing on it changes anything (the search is a
 * GET form), so it is a page without the React runtime: a third of the App
 * Router frame's server time, and its 50 rows sent once, not again as a payload.
 */
export const config = { unstable_runtimeJS: false };

const PAGE_SIZE = 50;

function single(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

export const getServerSideProps: GetServerSideProps<LitePageProps<AuditLogViewProps>> = async (context) => {
  const gate = await requirePermissionRequest(context, "/admin/audit", "admin.open");
  if (gate.redirect) return { redirect: gate.redirect };
  if (gate.forbidden) return litePageNotFound(context, gate.user);
  const params = context.query;
  const query = single(params.q).slice(0, 200);
  const action = isAuditAction(single(params.action)) ? single(params.action) : "";
  const beforeText = single(params.before);
  const before = /^\d{1,19}$/.test(beforeText) ? BigInt(beforeText) : undefined;
  const apps = await listAppSettings();
  const appId = apps.some((a) => a.id === single(params.app)) ? single(params.app) : "";
  const rows = await searchAuditForAdmin(gate.user, {
    query: query || undefined,
    action: action || undefined,
    appId: appId || undefined,
    before,
    limit: PAGE_SIZE + 1,
  });
  const events = rows.slice(0, PAGE_SIZE);
  const last = events[events.length - 1];
  return litePageProps(context.req, gate.user, {
    query,
    action,
    appId,
    before: before === undefined ? null : before.toString(),
    apps: apps.map(({ id, name }) => ({ id, name })),
    events,
    olderBefore: rows.length > PAGE_SIZE && last ? last.id : null,
  });
};

export default litePageOf("Audit log", AuditLogView);
