import { BuildIcon } from "@/components/builds/build-icon";
import { ReleaseNotes } from "@/components/builds/release-notes";
import { WarningList } from "@/components/builds/warning-list";
import { ChannelBadges } from "@/components/channels/channel-badges";
import { ChannelList } from "@/components/channels/channel-list";
import { InstallGuidance } from "@/components/install/install-guidance";
import { InstallPanel } from "@/components/install/install-panel";
import { InstallSteps } from "@/components/install/install-steps";
import { WatchControl } from "@/components/notifications/watch-control";
import { LocalTime } from "@/components/ui/local-time";
import type { InstallCount } from "@/lib/audit/install-analytics";
import { withReturnTo } from "@/lib/devices/return-to";
import type { AppInstallViewProps } from "@/lib/install-page/load-install-page";
import { formatBytes } from "@/lib/ui/format";
import { CARD, LINK, MUTED } from "@/lib/ui/styles";

/** The install page: every version of an app the reader sees, newest first, each with its install action. */
export function AppInstallView(props: AppInstallViewProps) {
  const { app, device, rows, primaryId, steps, publisher } = props;
  // Registering a device starts here and comes back here (lib/devices/return-to.ts).
  const registerHref = withReturnTo("/devices", `/apps/${app.id}`);
  return (
    <div data-device={device} data-testid="install-root">
      <div className="mb-6 flex items-center gap-4">
        {props.iconPath ? <BuildIcon src={props.iconPath} name={app.name} size={64} /> : null}
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
      {props.watch ? <WatchControl {...props.watch} /> : null}
      {props.guidancePageUrl ? (
        <div className="mb-4">
          <InstallGuidance pageUrl={props.guidancePageUrl} initialKind={device} />
        </div>
      ) : null}
      <ChannelList appId={app.id} channels={props.channels} />
      <h2 className={`mb-2 text-sm font-semibold uppercase tracking-wide ${MUTED}`}>Versions</h2>
      <ol className="space-y-3" data-testid="build-list">
        {rows.map(({ build, warnings, blockers, links, problems, firstLaunch, counts }, index) => {
          const label = `${build.version} (${build.buildNumber})`;
          const isPrimary = primaryId === build.id;
          const buildPagePath = `/apps/${app.id}/builds/${build.id}`;
          return (
            <li key={build.id} data-testid="build-row" className={`${CARD} p-4`}>
              <div className="flex flex-col gap-4 sm:flex-row sm:items-start">
                <div className="min-w-0 flex-1">
                  <p className="font-medium">
                    <a href={buildPagePath} className={LINK}>
                      Version {label}
                    </a>
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
                    <div className="mt-1 break-words text-sm">
                      <ReleaseNotes markdown={build.notes} />
                    </div>
                  ) : null}
                  {counts ? <InstallCounts counts={counts} /> : null}
                  {blockers.length === 0 ? (
                    <div className="mt-2">
                      <WarningList warnings={warnings} showHints={false} />
                    </div>
                  ) : null}
                </div>
                <div className={isPrimary ? "sm:w-80" : ""}>
                  <InstallPanel
                    links={links}
                    label={label}
                    blockers={blockers}
                    contact={build.uploadedBy}
                    problems={problems}
                    device={device}
                    qr={isPrimary ? "large" : "link"}
                    buildPagePath={buildPagePath}
                    publisher={publisher}
                    // The lead version's full steps follow below; every other Install gets them folded.
                    firstLaunch={isPrimary && steps ? null : firstLaunch}
                    registerHref={registerHref}
                  />
                </div>
              </div>
              {isPrimary && steps ? (
                <div className="mt-3 border-t border-slate-200 pt-3 dark:border-slate-700">
                  <InstallSteps
                    {...steps}
                    registerHref={steps.registeredDevicesOnly ? registerHref : null}
                    open={device === "ios"}
                  />
                </div>
              ) : null}
            </li>
          );
        })}
      </ol>
      {rows.length === 0 && !props.cursor ? <p className={MUTED}>No builds yet.</p> : null}
      {props.cursor || props.nextCursor ? (
        <nav aria-label="Versions pages" className="mt-4 flex items-center justify-between text-sm">
          {props.cursor ? (
            <a href={`/apps/${app.id}`} className="text-sky-700 hover:underline dark:text-sky-300">
              ← Newest versions
            </a>
          ) : (
            <span />
          )}
          {props.nextCursor ? (
            <a
              href={`/apps/${app.id}?cursor=${encodeURIComponent(props.nextCursor)}`}
              className="text-sky-700 hover:underline dark:text-sky-300"
              data-testid="next-page"
            >
              Older versions →
            </a>
          ) : null}
        </nav>
      ) : null}
    </div>
  );
}

function InstallCounts({ counts }: { counts: InstallCount }) {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return (
    <p className={`mt-1 text-sm ${MUTED}`} data-testid="install-counts">
      <span className="font-medium">Installs:</span> {plural(counts.downloads, "download", "downloads")} ·{" "}
      {plural(counts.users, "distinct user", "distinct users")} ·{" "}
      {plural(counts.manifests, "manifest fetch", "manifest fetches")}
    </p>
  );
}
