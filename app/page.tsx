import Link from "next/link";
import { BuildIcon } from "@/components/builds/build-icon";
import { canUploadAtAll } from "@/lib/access/app-access";
import { listAppsFor } from "@/lib/apps/data";
import { requireUserPage } from "@/lib/auth/require-user";
import { installLinksFor } from "@/lib/install-links/install-links-for";
import { formatDate } from "@/lib/ui/format";

export const dynamic = "force-dynamic";

export default async function AppsPage() {
  const user = await requireUserPage("/");
  const apps = await listAppsFor(user);
  return (
    <div>
      <div className="mb-4 flex items-center justify-between">
        <h1 className="text-2xl font-semibold tracking-tight">Apps</h1>
        {canUploadAtAll(user) ? (
          <Link
            href="/upload"
            className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-800"
          >
            Upload a build
          </Link>
        ) : null}
      </div>
      {apps.length === 0 ? (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white p-10 text-center text-slate-600">
          <p className="font-medium">No apps yet.</p>
          <p className="mt-1 text-sm">
            {canUploadAtAll(user)
              ? "Upload an .ipa to publish the first one."
              : "Apps appear here once an admin uploads them."}
          </p>
        </div>
      ) : (
        <ul className="divide-y divide-slate-200 overflow-hidden rounded-xl border border-slate-200 bg-white">
          {apps.map((app) => (
            <li key={app.id}>
              <Link href={`/apps/${app.id}`} className="flex items-center gap-4 px-4 py-3 hover:bg-slate-50">
                {app.latest ? (
                  <BuildIcon
                    src={installLinksFor(user, { id: app.latest.id, appId: app.id }).icon512Url}
                    name={app.name}
                  />
                ) : null}
                <div className="min-w-0 flex-1">
                  <p className="truncate font-medium">{app.name}</p>
                  <p className="truncate text-sm text-slate-500">{app.bundleId}</p>
                </div>
                <div className="text-right text-sm">
                  {app.latest ? (
                    <>
                      <p className="font-medium">
                        {app.latest.version} ({app.latest.buildNumber})
                      </p>
                      <p className="text-slate-500">{formatDate(app.latest.createdAt)}</p>
                    </>
                  ) : null}
                  <p className="text-slate-500">
                    {app.buildCount} build{app.buildCount === 1 ? "" : "s"}
                  </p>
                </div>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
