import { AdminNavLinks } from "@/components/admin/admin-nav-links";
import { AuditTable } from "@/components/admin/audit-table";
import { inputClass, PageHeader } from "@/components/ui/ui";
import { AUDIT_ACTION_GROUPS } from "@/lib/audit/audit-actions";
import type { AuditEventDto } from "@/lib/audit/audit-search";
import { LINK } from "@/lib/ui/styles";

export type AuditLogViewProps = {
  /** The search as read from the address (empty when none). */
  query: string;
  action: string;
  appId: string;
  /** The page's `before` cursor, when it is not the newest page. */
  before: string | null;
  apps: { id: string; name: string }[];
  events: AuditEventDto[];
  /** The cursor of the next older page, when there is one. */
  olderBefore: string | null;
};

/** The audit log (/admin/audit): a search form that is a plain GET, the events, and newer/older links. */
export function AuditLogView({ query, action, appId, before, apps, events, olderBefore }: AuditLogViewProps) {
  const link = (extra: Record<string, string>) => {
    const search = new URLSearchParams({
      ...(query ? { q: query } : {}),
      ...(action ? { action } : {}),
      ...(appId ? { app: appId } : {}),
      ...extra,
    }).toString();
    return search ? `/admin/audit?${search}` : "/admin/audit";
  };
  return (
    <div>
      <AdminNavLinks pathname="/admin/audit" />
      <div className="space-y-4">
        <PageHeader title="Audit log">
          Every install page view, manifest fetch, download and sign-in, and every change made by an admin. Newest
          first.
        </PageHeader>
        <form method="get" role="search" className="flex flex-wrap items-end gap-3" data-testid="audit-search">
          <label className="flex flex-col gap-1 text-sm">
            <span className="font-medium text-slate-700 dark:text-slate-200">Search</span>
            <input
              type="search"
              name="q"
              defaultValue={query}
              placeholder="Email, IP, user agent, action or id"
              className={`${inputClass} w-80`}
            />
          </label>
          <label className="flex flex-col gap-1 text-sm">
            <span className="font-medium text-slate-700 dark:text-slate-200">Action</span>
            <select name="action" defaultValue={action} className={inputClass}>
              <option value="">All actions</option>
              {AUDIT_ACTION_GROUPS.map((group) => (
                <optgroup key={group.group} label={group.group}>
                  {group.actions.map((a) => (
                    <option key={a} value={a}>
                      {a}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1 text-sm">
            <span className="font-medium text-slate-700 dark:text-slate-200">App</span>
            <select name="app" defaultValue={appId} className={inputClass}>
              <option value="">All apps</option>
              {apps.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
          <button
            type="submit"
            className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-800 dark:bg-slate-100 dark:text-slate-900 dark:hover:bg-white"
          >
            Search
          </button>
          {query || action || appId || before ? (
            <a href="/admin/audit" className={`py-1.5 text-sm ${LINK}`}>
              Clear
            </a>
          ) : null}
        </form>
        <AuditTable events={events} />
        <nav aria-label="Audit log pages" className="flex items-center justify-between text-sm">
          {before ? (
            <a href={link({})} className={LINK}>
              ← Newest
            </a>
          ) : (
            <span />
          )}
          {olderBefore ? (
            <a href={link({ before: olderBefore })} className={LINK} data-testid="audit-older">
              Older →
            </a>
          ) : null}
        </nav>
      </div>
    </div>
  );
}
