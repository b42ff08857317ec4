import { BuildIcon } from "@/components/builds/build-icon";
import { LocalTime } from "@/components/ui/local-time";
import type { AppDto } from "@/lib/apps/data";
import { pageIconPath } from "@/lib/download/icon-path";
import { CARD, MUTED } from "@/lib/ui/styles";

/** The apps list of the home page (pages/index.tsx). */
export function AppList({ apps, admin }: { apps: AppDto[]; admin: boolean }) {
  return (
    <ul className={`divide-y divide-slate-200 overflow-hidden dark:divide-slate-700 ${CARD}`}>
      {apps.map((app) => (
        <li key={app.id}>
          {/* A plain link: the install page is served without the React runtime (pages/). */}
          <a
            href={`/apps/${app.id}`}
            className="flex items-center gap-4 px-4 py-3 hover:bg-slate-50 dark:hover:bg-slate-800"
          >
            {app.lead ? <BuildIcon src={pageIconPath({ id: app.lead.id, appId: app.id }, 64)} name={app.name} /> : null}
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
  );
}
