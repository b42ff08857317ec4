import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { notFound } from "next/navigation";
import { BuildIcon } from "@/components/builds/build-icon";
import { WarningList } from "@/components/builds/warning-list";
import { ChannelBadges } from "@/components/channels/channel-badges";
import { ChannelList } from "@/components/channels/channel-list";
import { InstallGuidance } from "@/components/install/install-guidance";
import { InstallPanel } from "@/components/install/install-panel";
import { InstallSteps } from "@/components/install/install-steps";
import { LocalTime } from "@/components/ui/local-time";
import { isAdmin } from "@/lib/access/app-access";
import { buildLevelWarnings, buildWarnings, employeeWarnings, installBlockers } from "@/lib/analysis/build-warnings";
import { getAppFor } from "@/lib/apps/data";
import { installCounts, recordAudit } from "@/lib/audit/audit";
import { isPublisher, requireUserPage } from "@/lib/auth/require-user";
import { listBuildsFor } from "@/lib/builds/data";
import { currentDeviceFor } from "@/lib/devices/current-device";
import { deviceBlocker } from "@/lib/devices/data";
import { pageIconPath } from "@/lib/download/icon-response";
import { requestContext } from "@/lib/http/request-context";
import { installLinksFor } from "@/lib/install-links/install-links-for";
import { classifyDevice, deviceProblems } from "@/lib/ui/device";
import { formatBytes } from "@/lib/ui/format";
import { CARD, LINK, MUTED } from "@/lib/ui/styles";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ appId: string }> };

export const metadata: Metadata = { title: "App" };

export default async function AppPage({ params }: Props) {
  const { appId } = await params;
  const user = await requireUserPage(`/apps/${appId}`);
  const app = await getAppFor(user, appId);
  if (!app) notFound();
  const requestHeaders = await headers();
  const builds = await listBuildsFor(user, app.id);
  const now = new Date();
  // Publishers (admins, uploaders) see every warning; employees only what blocks their install.
  const publisher = isPublisher(user);
  const userAgent = requestHeaders.get("user-agent") ?? "";
  const device = classifyDevice(userAgent);
  const currentDevice = await currentDeviceFor(user);
  const rows = builds.map((build) => {
    const warnings = buildLevelWarnings(buildWarnings(build, now));
    const onDevice = deviceBlocker(build, currentDevice);
    return { build, warnings, blockers: [...installBlockers(warnings), ...(onDevice ? [onDevice] : [])] };
  });
  // The version the page leads with (steps, the desktop's QR code): the newest one that can install.
  const primary = rows.find((r) => r.blockers.length === 0) ?? null;
  await recordAudit({
    action: "install_page.view",
    actor: user,
    appId: app.id,
    // Per build, for the install funnel: the version the page offers first.
    buildId: primary?.build.id ?? builds[0]?.id ?? null,
    context: requestContext(requestHeaders),
    details: { page: "app", shownBuildIds: builds.map((b) => b.id) },
  });
  // Admins only: how often each build was installed.
  const counts = isAdmin(user) ? await installCounts(builds.map((b) => b.id)) : null;
  const latest = builds[0];
  const enterprise = primary?.build.analysis?.profile?.type === "enterprise";
  return (
    <div data-device={device} data-testid="install-root">
      <div className="mb-6 flex items-center gap-4">
        {latest ? <BuildIcon src={pageIconPath(latest, 128)} name={app.name} size={64} /> : null}
        <div className="min-w-0">
          <h1 className="break-words text-2xl font-semibold tracking-tight">{app.name}</h1>
          <p className={`break-all text-sm ${MUTED}`}>{app.bundleId}</p>
          {app.description ? (
            <p className="mt-1 whitespace-pre-line text-slate-700 dark:text-slate-200" data-testid="app-description">
              {app.description}
            </p>
          ) : null}
        </div>
      </div>
      {latest ? (
        <div className="mb-4">
          <InstallGuidance pageUrl={installLinksFor(user, latest, now).pageUrl} initialKind={device} />
        </div>
      ) : null}
      <ChannelList user={user} appId={app.id} />
      <h2 className={`mb-2 text-sm font-semibold uppercase tracking-wide ${MUTED}`}>Versions</h2>
      <ol className="space-y-3" data-testid="build-list">
        {rows.map(({ build, warnings, blockers }, index) => {
          const label = `${build.version} (${build.buildNumber})`;
          const isPrimary = primary?.build.id === build.id;
          return (
            <li key={build.id} data-testid="build-row" className={`${CARD} p-4`}>
              <div className="flex flex-col gap-4 sm:flex-row sm:items-start">
                <div className="min-w-0 flex-1">
                  <p className="font-medium">
                    <Link href={`/apps/${app.id}/builds/${build.id}`} className={LINK}>
                      Version {label}
                    </Link>
                    {index === 0 ? (
                      <span className="ml-2 rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100">
                        Latest
                      </span>
                    ) : null}{" "}
                    <ChannelBadges appId={app.id} channels={build.channels} />
                  </p>
                  <p className={`text-sm ${MUTED}`}>
                    <LocalTime iso={build.createdAt} /> · {formatBytes(build.sizeBytes)}
                    {build.minimumOsVersion ? ` · iOS ${build.minimumOsVersion}+` : ""}
                  </p>
                  {build.notes ? (
                    <p className="mt-1 whitespace-pre-line break-words text-sm text-slate-700 dark:text-slate-200">
                      {build.notes}
                    </p>
                  ) : null}
                  {counts ? <InstallCounts counts={counts.get(build.id)} /> : null}
                  {blockers.length === 0 ? (
                    <div className="mt-2">
                      <WarningList warnings={publisher ? warnings : employeeWarnings(warnings)} showHints={false} />
                    </div>
                  ) : null}
                </div>
                <div className={isPrimary ? "sm:w-80" : ""}>
                  <InstallPanel
                    links={installLinksFor(user, build, now)}
                    label={label}
                    blockers={blockers}
                    contact={build.uploadedBy}
                    problems={deviceProblems(
                      {
                        deviceFamily: build.analysis?.ipa.deviceFamily ?? [],
                        minimumOsVersion: build.minimumOsVersion,
                      },
                      userAgent,
                    )}
                    device={device}
                    qr={isPrimary ? "large" : "link"}
                    buildPagePath={`/apps/${app.id}/builds/${build.id}`}
                    publisher={publisher}
                  />
                </div>
              </div>
              {isPrimary ? (
                <div className="mt-3 border-t border-slate-200 pt-3 dark:border-slate-700">
                  <InstallSteps
                    appName={build.name}
                    enterprise={enterprise}
                    developer={build.analysis?.profile?.teamName ?? null}
                    open={device === "ios"}
                  />
                </div>
              ) : null}
            </li>
          );
        })}
      </ol>
      {builds.length === 0 ? <p className={MUTED}>No builds yet.</p> : null}
    </div>
  );
}

function InstallCounts({ counts }: { counts: { manifests: number; downloads: number; users: number } | undefined }) {
  const c = counts ?? { manifests: 0, downloads: 0, users: 0 };
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return (
    <p className={`mt-1 text-sm ${MUTED}`} data-testid="install-counts">
      <span className="font-medium">Installs:</span> {plural(c.downloads, "download", "downloads")} ·{" "}
      {plural(c.users, "distinct user", "distinct users")} · {plural(c.manifests, "manifest fetch", "manifest fetches")}
    </p>
  );
}
