import { Badge, EmptyState, ScrollRegion, TableHead } from "@/components/ui/ui";
import type { AuditEventDto } from "@/lib/audit/audit-search";

function actionColor(action: string) {
  if (action === "sign_in.failure" || action === "sign_in.rate_limited") return "red" as const;
  if (action.startsWith("sign_in.")) return "slate" as const;
  if (action === "ipa.download" || action === "manifest.fetch" || action === "install_page.view") return "sky" as const;
  if (action === "build.upload") return "green" as const;
  return "indigo" as const;
}

/** A readable name for what an event was about (the name recorded with it), else its id. */
function targetLabel(event: AuditEventDto): string | null {
  if (!event.targetType && !event.targetId) return null;
  const d = event.details;
  const text = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : null);
  const named =
    event.targetType === "user"
      ? text(d.email)
      : event.targetType === "group"
        ? (text(d.group) ?? text(d.name))
        : event.targetType === "api_token"
          ? text(d.name)
          : event.targetType === "app"
            ? text(d.app)
            : null;
  return named ?? event.targetId;
}

// Built once, not per row (toLocale*String builds a new formatter on every call).
const AUDIT_DATE = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
const AUDIT_TIME = new Intl.DateTimeFormat("en-GB", { timeStyle: "medium", timeZone: "UTC" });

/** Date and time (UTC, to the second) on two lines. */
function AuditTime({ iso }: { iso: string }) {
  const at = new Date(iso);
  const date = AUDIT_DATE.format(at);
  const time = AUDIT_TIME.format(at);
  return (
    <time dateTime={iso} className="whitespace-nowrap">
      {date}
      <span className="block text-xs text-slate-500 dark:text-slate-400">{time} UTC</span>
    </time>
  );
}

function detailSummary(event: AuditEventDto): string | null {
  const d = event.details;
  if (typeof d.from === "string" || typeof d.from === "boolean") return `${String(d.from)} → ${String(d.to)}`;
  if (event.action === "group.member_add" || event.action === "group.member_remove") {
    return typeof d.group === "string" && typeof d.email === "string" ? `${d.email} · ${d.group}` : null;
  }
  if (event.action === "app.grant" || event.action === "app.revoke") {
    return typeof d.group === "string" ? `group ${d.group}` : null;
  }
  if (Array.isArray(d.scopes)) return `scopes: ${d.scopes.join(", ")}`;
  if (typeof d.method === "string") return d.method;
  return null;
}

export function AuditTable({ events }: { events: AuditEventDto[] }) {
  if (events.length === 0) return <EmptyState>No events match.</EmptyState>;
  return (
    <ScrollRegion label="Audit log">
      {/* A minimum width: on a phone the region scrolls sideways instead of crushing seven columns. */}
      <table className="w-full min-w-[60rem] table-fixed text-left text-sm" data-testid="audit-table">
        <colgroup>
          <col className="w-28" />
          <col className="w-40" />
          <col />
          <col />
          <col className="w-32" />
          <col className="w-24" />
          <col className="w-48" />
        </colgroup>
        <TableHead columns={["Time", "Action", "Actor", "Target", "App / build", "IP", "User agent"]} />
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {events.map((event) => {
            const target = targetLabel(event);
            const summary = detailSummary(event);
            return (
              <tr
                key={event.id}
                data-testid="audit-row"
                data-id={event.id}
                data-action={event.action}
                className="align-top"
              >
                <td className="px-3 py-2 text-slate-600 dark:text-slate-300">
                  <AuditTime iso={event.at} />
                </td>
                <td className="px-3 py-2">
                  <Badge color={actionColor(event.action)}>{event.action}</Badge>
                  {summary ? <p className="mt-0.5 text-xs text-slate-500 dark:text-slate-400">{summary}</p> : null}
                </td>
                <td className="px-3 py-2 [overflow-wrap:anywhere]">
                  {event.actorEmail ?? <span className="text-slate-500 dark:text-slate-400">—</span>}
                </td>
                <td className="px-3 py-2 [overflow-wrap:anywhere]">
                  {target ? (
                    <span title={event.targetId ?? undefined}>
                      <span className="text-slate-500 dark:text-slate-400">{event.targetType} </span>
                      {target}
                    </span>
                  ) : (
                    <span className="text-slate-500 dark:text-slate-400">—</span>
                  )}
                </td>
                <td className="px-3 py-2">
                  {event.appId ? (
                    <a href={`/apps/${event.appId}`} className="hover:underline">
                      {event.appName ?? event.appId.slice(0, 8)}
                    </a>
                  ) : (
                    <span className="text-slate-500 dark:text-slate-400">—</span>
                  )}
                  {event.buildLabel ? (
                    <p className="text-xs text-slate-500 dark:text-slate-400">{event.buildLabel}</p>
                  ) : null}
                </td>
                <td className="px-3 py-2 font-mono text-xs [overflow-wrap:anywhere]">{event.ip ?? "—"}</td>
                <td className="px-3 py-2 text-xs text-slate-500 dark:text-slate-400">
                  <span className="line-clamp-3 break-all" title={event.userAgent ?? undefined}>
                    {event.userAgent ?? "—"}
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
