import type { Metadata } from "next";
import Link from "next/link";
import { AuditTable } from "@/components/admin/audit-table";
import { inputClass, PageHeader } from "@/components/ui/ui";
import { listAppSettings } from "@/lib/apps/data";
import { AUDIT_ACTION_GROUPS, isAuditAction } from "@/lib/audit/audit-actions";
import { searchAuditForAdmin } from "@/lib/audit/audit-search";
import { requireAdminPage } from "@/lib/auth/require-user";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audit log" };

const PAGE_SIZE = 50;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

function single(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

export default async function AdminAuditPage({ searchParams }: Props) {
  const admin = await requireAdminPage("/admin/audit");
  const params = await searchParams;
  const query = single(params.q).slice(0, 200);
  const action = isAuditAction(single(params.action)) ? single(params.action) : "";
  const beforeText = single(params.before);
  const before = /^\d{1,19}$/.test(beforeText) ? BigInt(beforeText) : undefined;
  const apps = await listAppSettings();
  const appId = apps.some((a) => a.id === single(params.app)) ? single(params.app) : "";

  const rows = await searchAuditForAdmin(admin, {
    query: query || undefined,
    action: action || undefined,
    appId: appId || undefined,
    before,
    limit: PAGE_SIZE + 1,
  });
  const events = rows.slice(0, PAGE_SIZE);
  const hasOlder = rows.length > PAGE_SIZE;
  const last = events[events.length - 1];
  const link = (extra: Record<string, string>) => {
    const search = new URLSearchParams({
      ...(query ? { q: query } : {}),
      ...(action ? { action } : {}),
      ...(appId ? { app: appId } : {}),
      ...extra,
    });
    const text = search.toString();
    return text ? `/admin/audit?${text}` : "/admin/audit";
  };

  return (
    <div className="space-y-4">
      <PageHeader title="Audit log">
        Every install page view, manifest fetch, download and sign-in, and every change made by an admin. Newest first.
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
          className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-800"
        >
          Search
        </button>
        {query || action || appId || before ? (
          <Link href="/admin/audit" className="py-1.5 text-sm text-sky-700 hover:underline dark:text-sky-300">
            Clear
          </Link>
        ) : null}
      </form>
      <AuditTable events={events} />
      <nav aria-label="Audit log pages" className="flex items-center justify-between text-sm">
        {before ? (
          <Link href={link({})} className="text-sky-700 hover:underline dark:text-sky-300">
            ← Newest
          </Link>
        ) : (
          <span />
        )}
        {hasOlder && last ? (
          <Link
            href={link({ before: last.id })}
            className="text-sky-700 hover:underline dark:text-sky-300"
            data-testid="audit-older"
          >
            Older →
          </Link>
        ) : null}
      </nav>
    </div>
  );
}
