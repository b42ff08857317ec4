import Link from "next/link";
import { BuildIcon } from "@/components/builds/build-icon";
import { LocalTime } from "@/components/ui/local-time";
import { PageNav } from "@/components/ui/page-nav";
import { can } from "@/lib/access/policy";
import { listAppsPageFor } from "@/lib/apps/data";
import { requireUserPage } from "@/lib/auth/require-user";
import { pageIconPath } from "@/lib/download/icon-response";
import { pageQueryFromSearch } from "@/lib/http/pagination";
import { CARD, MUTED } from "@/lib/ui/styles";

export const dynamic = "force-dynamic";

// A company has hundreds of apps: a page at a time (keyset, lib/http/pagination.ts), most recently updated first.
const PAGE_SIZE = 50;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function AppsPage({ searchParams }: Props) {
  const user = await requireUserPage("/");
  const query = pageQueryFromSearch(await searchParams, PAGE_SIZE);
  const { items: apps, nextCursor } = await listAppsPageFor(user, query);
  const admin = can(user, "app.manage");
  return (
    <div>
      <div className="mb-4 flex items-center justify-between">
        <h1 className="text-2xl font-semibold tracking-tight">Apps</h1>
        {can(user, "build.upload") ? (
          <Link
            href="/upload"
            className="shrink-0 rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-800 dark:bg-slate-100 dark:text-slate-900 dark:hover:bg-white"
          >
            Upload a build
          </Link>
        ) : null}
      </div>
      {apps.length === 0 && !query.cursor ? (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white p-10 text-center text-slate-600 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-300">
          <p className="font-medium">No apps yet.</p>
          <p className="mt-1 text-sm">
            {can(user, "build.upload")
              ? "Upload an .ipa to publish the first one."
              : "Apps appear here once an admin uploads them."}
          </p>
        </div>
      ) : (
        <ul className={`divide-y divide-slate-200 overflow-hidden dark:divide-slate-700 ${CARD}`}>
          {apps.map((app) => (
            <li key={app.id}>
              {/* A plain link: the install page is served without the React runtime (pages/). */}
              <a
                href={`/apps/${app.id}`}
                className="flex items-center gap-4 px-4 py-3 hover:bg-slate-50 dark:hover:bg-slate-800"
              >
                {app.lead ? (
                  <BuildIcon src={pageIconPath({ id: app.lead.id, appId: app.id }, 64)} name={app.name} />
                ) : null}
                <div className="min-w-0 flex-1">
                  <p className="break-words font-medium">
                    {app.name}
                    {admin && app.adminsOnly ? (
                      <span
                        data-testid="restricted-badge"
                        title="Visible only to admins until granted to a group or to everyone (Admin › Apps)"
                        className="ml-2 inline-block rounded-full bg-amber-100 px-2 py-0.5 align-middle text-xs font-medium text-amber-900 dark:bg-amber-900 dark:text-amber-100"
                      >
                        Restricted
                      </span>
                    ) : null}
                  </p>
                  <p className={`break-all text-sm ${MUTED}`}>{app.bundleId}</p>
                </div>
                <div className="shrink-0 text-right text-sm">
                  {/* The version the app page leads with: its default channel's newest, not a newer beta. */}
                  {app.lead ? (
                    <>
                      <p className="font-medium" data-testid="app-version">
                        {app.lead.version} ({app.lead.buildNumber})
                      </p>
                      <p className={MUTED}>
                        <LocalTime iso={app.lead.createdAt} />
                      </p>
                    </>
                  ) : null}
                  <p className={MUTED}>
                    {app.buildCount} build{app.buildCount === 1 ? "" : "s"}
                  </p>
                </div>
              </a>
            </li>
          ))}
        </ul>
      )}
      <div className="mt-4">
        <PageNav path="/" label="Apps pages" cursor={query.cursor} nextCursor={nextCursor} />
      </div>
    </div>
  );
}
