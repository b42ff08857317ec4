import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { notFound } from "next/navigation";
import { BuildIcon } from "@/components/builds/build-icon";
import { WarningList } from "@/components/builds/warning-list";
import { ChannelBadges } from "@/components/channels/channel-badges";
import { ChannelList } from "@/components/channels/channel-list";
import { InstallGuidance } from "@/components/install/install-guidance";
import { QrCode } from "@/components/install/qr-code";
import { isAdmin } from "@/lib/access/app-access";
import { buildWarnings, employeeWarnings } from "@/lib/analysis/build-warnings";
import { getAppFor } from "@/lib/apps/data";
import { installCounts, recordAudit } from "@/lib/audit/audit";
import { isPublisher, requireUserPage } from "@/lib/auth/require-user";
import { listBuildsFor } from "@/lib/builds/data";
import { requestContext } from "@/lib/http/request-context";
import { installLinksFor } from "@/lib/install-links/install-links-for";
import { formatBytes, formatDate } from "@/lib/ui/format";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ appId: string }> };

export const metadata: Metadata = { title: "App" };

export default async function AppPage({ params }: Props) {
  const { appId } = await params;
  const user = await requireUserPage(`/apps/${appId}`);
  const app = await getAppFor(user, appId);
  if (!app) notFound();
  await recordAudit({
    action: "install_page.view",
    actor: user,
    appId: app.id,
    context: requestContext(await headers()),
  });
  const builds = await listBuildsFor(user, app.id);
  // Admins only: how often each build was installed.
  const counts = isAdmin(user) ? await installCounts(builds.map((b) => b.id)) : null;
  const now = new Date();
  // Publishers (admins, uploaders) see every warning; employees only what blocks their install.
  const publisher = isPublisher(user);
  return (
    <div>
      <div className="mb-6 flex items-center gap-4">
        {builds[0] ? (
          <BuildIcon src={installLinksFor(user, builds[0], now).icon512Url} name={app.name} size={64} />
        ) : null}
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">{app.name}</h1>
          <p className="text-sm text-slate-500">{app.bundleId}</p>
          {app.description ? (
            <p className="mt-1 whitespace-pre-line text-slate-700" data-testid="app-description">
              {app.description}
            </p>
          ) : null}
        </div>
      </div>
      {builds[0] ? (
        <div className="mb-4">
          <InstallGuidance pageUrl={installLinksFor(user, builds[0], now).pageUrl} />
        </div>
      ) : null}
      <ChannelList user={user} appId={app.id} />
      <h2 className="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500">Versions</h2>
      <ol className="space-y-3" data-testid="build-list">
        {builds.map((build, index) => {
          const links = installLinksFor(user, build, now);
          const label = `${build.version} (${build.buildNumber})`;
          return (
            <li key={build.id} data-testid="build-row" className="rounded-xl border border-slate-200 bg-white p-4">
              <div className="flex flex-col gap-4 sm:flex-row sm:items-center">
                <div className="min-w-0 flex-1">
                  <p className="font-medium">
                    <Link href={`/apps/${app.id}/builds/${build.id}`} className="hover:underline">
                      Version {label}
                    </Link>
                    {index === 0 ? (
                      <span className="ml-2 rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800">
                        Latest
                      </span>
                    ) : null}{" "}
                    <ChannelBadges appId={app.id} channels={build.channels} />
                  </p>
                  <p className="text-sm text-slate-500">
                    {formatDate(build.createdAt)} · {formatBytes(build.sizeBytes)}
                    {build.minimumOsVersion ? ` · iOS ${build.minimumOsVersion}+` : ""}
                  </p>
                  {build.notes ? (
                    <p className="mt-1 whitespace-pre-line text-sm text-slate-700">{build.notes}</p>
                  ) : null}
                  {counts ? <InstallCounts counts={counts.get(build.id)} /> : null}
                  <div className="mt-2">
                    <WarningList
                      warnings={publisher ? buildWarnings(build, now) : employeeWarnings(buildWarnings(build, now))}
                      showHints={false}
                    />
                  </div>
                </div>
                <a
                  href={links.itmsServicesUrl}
                  data-testid="install-link"
                  className="inline-flex items-center justify-center rounded-lg bg-sky-600 px-4 py-2 font-semibold text-white hover:bg-sky-700"
                >
                  Install
                </a>
                <QrCode value={links.itmsServicesUrl} label={`QR code to install version ${label}`} size={120} />
              </div>
            </li>
          );
        })}
      </ol>
      {builds.length === 0 ? <p className="text-slate-600">No builds yet.</p> : null}
    </div>
  );
}

function InstallCounts({ counts }: { counts: { manifests: number; downloads: number; users: number } | undefined }) {
  const c = counts ?? { manifests: 0, downloads: 0, users: 0 };
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return (
    <p className="mt-1 text-sm text-slate-600" data-testid="install-counts">
      <span className="font-medium text-slate-700">Installs:</span> {plural(c.downloads, "download", "downloads")} ·{" "}
      {plural(c.users, "distinct user", "distinct users")} · {plural(c.manifests, "manifest fetch", "manifest fetches")}
    </p>
  );
}
