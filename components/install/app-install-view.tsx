import { BuildIcon } from "@/components/builds/build-icon";
import { ReleaseNotes } from "@/components/builds/release-notes";
import { WarningList } from "@/components/builds/warning-list";
import { ChannelBadges } from "@/components/channels/channel-badges";
import { ChannelList } from "@/components/channels/channel-list";
import { AskUploader } from "@/components/install/ask-uploader";
import { InstallGuidance } from "@/components/install/install-guidance";
import { InstallPanel } from "@/components/install/install-panel";
import { InstallSteps } from "@/components/install/install-steps";
import { WatchControl } from "@/components/notifications/watch-control";
import { LocalTime } from "@/components/ui/local-time";
import { Badge } from "@/components/ui/ui";
import type { InstallCount } from "@/lib/audit/install-analytics";
import { withReturnTo } from "@/lib/devices/return-to";
import type { AppInstallViewProps, InstallRow } from "@/lib/install-page/load-install-page";
import type { DeviceKind } from "@/lib/ui/device";
import { formatBytes } from "@/lib/ui/format";
import { CARD, LINK, MUTED } from "@/lib/ui/styles";

/**
 * The install page: the lead version (the default channel's newest, lib/channels/default-channel.ts)
 * with the one big Install; other channels' newer builds labelled and secondary; older versions collapsed
 * in a <details> (works without JavaScript).
 */
export function AppInstallView(props: AppInstallViewProps) {
  const { app, device, rows, primaryId, steps, publisher, ask } = props;
  // Registering a device starts here and comes back here (lib/devices/return-to.ts).
  const registerHref = withReturnTo("/devices", `/apps/${app.id}`);
  const lead = rows.find((r) => r.place === "lead");
  const channelRows = rows.filter((r) => r.place === "channel");
  const older = rows.filter((r) => r.place === "older");
  const rowProps = { appId: app.id, device, publisher, registerHref };
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
      {lead ? (
        <section className="mb-6" aria-labelledby="lead-heading">
          <h2 id="lead-heading" className={`mb-2 text-sm font-semibold uppercase tracking-wide ${MUTED}`}>
            {props.defaultChannel ? `Current version (${props.defaultChannel})` : "Current version"}
          </h2>
          <LeadCard
            row={lead}
            {...rowProps}
            primary={primaryId === lead.build.id}
            steps={steps}
            contact={ask?.where === "lead" ? ask.contact : undefined}
          />
        </section>
      ) : null}
      {channelRows.length > 0 ? (
        <section className="mb-6" aria-labelledby="channels-heading">
          <h2 id="channels-heading" className={`mb-2 text-sm font-semibold uppercase tracking-wide ${MUTED}`}>
            Other channels
          </h2>
          <ol className="space-y-2" data-testid="channel-builds">
            {channelRows.map((row) => (
              <VersionRow key={row.build.id} row={row} {...rowProps} />
            ))}
          </ol>
        </section>
      ) : null}
      {older.length > 0 ? (
        // A later page (?cursor=) lists only older versions: open.
        <details className="mb-6" data-testid="older-versions" open={props.cursor !== null}>
          <summary className={`cursor-pointer text-sm font-semibold ${MUTED}`}>Older versions ({older.length})</summary>
          <ol className="mt-2 space-y-2">
            {older.map((row) => (
              <VersionRow key={row.build.id} row={row} {...rowProps} />
            ))}
          </ol>
        </details>
      ) : null}
      {ask?.where === "list" ? (
        <div className={`text-sm ${MUTED}`}>
          <AskUploader contact={ask.contact} device={ask.device} />
        </div>
      ) : null}
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

type RowProps = { row: InstallRow; appId: string; device: DeviceKind; publisher: boolean; registerHref: string };

/** Version, channels, re-signed, date and size: what tells two versions apart. */
function VersionTitle({ row, appId }: { row: InstallRow; appId: string }) {
  const { build } = row;
  return (
    <>
      <p className="font-medium">
        {/* inline-block: a 24 px tall target, so the channel badges beside it keep their spacing (axe target-size). */}
        <a href={`/apps/${appId}/builds/${build.id}`} className={`${LINK} inline-block`}>
          Version {build.version} ({build.buildNumber})
        </a>{" "}
        <ChannelBadges appId={appId} channels={build.channels} />{" "}
        {build.resignedFrom ? (
          <span data-testid="resigned-badge">
            <Badge color="sky">re-signed</Badge>
          </span>
        ) : null}
      </p>
      <p className={`text-sm ${MUTED}`}>
        <LocalTime iso={build.createdAt} /> · {formatBytes(build.sizeBytes)}
        {build.minimumOsVersion ? ` · iOS ${build.minimumOsVersion}+` : ""}
        {row.sameVersionAs > 0 ? (
          <span data-testid="same-version">
            {" "}
            · another upload has this version: this one is SHA-256 <code>{row.digest}</code>
          </span>
        ) : null}
      </p>
    </>
  );
}

/** Title, notes, install counts and (when it can install) warnings: the text beside any version's Install. */
function VersionDetails({ row, appId }: { row: InstallRow; appId: string }) {
  const { build, warnings, blockers, counts } = row;
  return (
    <div className="min-w-0 flex-1">
      <VersionTitle row={row} appId={appId} />
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
  );
}

function LeadCard({
  row,
  appId,
  device,
  publisher,
  registerHref,
  primary,
  steps,
  contact,
}: RowProps & {
  primary: boolean;
  steps: AppInstallViewProps["steps"];
  contact: string | null | undefined;
}) {
  const { build, blockers, links, problems } = row;
  return (
    <div data-testid="build-row" data-place="lead" className={`${CARD} p-4`}>
      <div className="flex flex-col gap-4 sm:flex-row sm:items-start">
        <VersionDetails row={row} appId={appId} />
        <div className={primary ? "sm:w-80" : ""}>
          <InstallPanel
            links={links}
            label={`${build.version} (${build.buildNumber})`}
            blockers={blockers}
            contact={contact}
            problems={problems}
            device={device}
            qr="large"
            buildPagePath={`/apps/${appId}/builds/${build.id}`}
            publisher={publisher}
            // The full steps follow below when it can install; otherwise they are folded here.
            firstLaunch={primary && steps ? null : row.firstLaunch}
            registerHref={registerHref}
          />
        </div>
      </div>
      {primary && steps ? (
        <div className="mt-3 border-t border-slate-200 pt-3 dark:border-slate-700">
          <InstallSteps
            {...steps}
            registerHref={steps.registeredDevicesOnly ? registerHref : null}
            open={device === "ios"}
          />
        </div>
      ) : null}
    </div>
  );
}

/** A secondary version: a small Install link, or (blocked here) the reason in a line, no Install card. */
function VersionRow({ row, appId, device, publisher, registerHref }: RowProps) {
  const { build, blockers, links, problems } = row;
  const buildPagePath = `/apps/${appId}/builds/${build.id}`;
  return (
    <li data-testid="build-row" data-place={row.place} className={`${CARD} p-3`}>
      <div className="flex flex-col gap-2 sm:flex-row sm:items-start sm:justify-between">
        <VersionDetails row={row} appId={appId} />
        {blockers.length > 0 ? (
          <p data-testid="install-blocked" className="text-sm text-red-800 sm:max-w-xs dark:text-red-200">
            Can&apos;t be installed here: {blockers.map((w) => w.message).join(" ")}
            {publisher ? (
              <>
                {" "}
                <a href={links.itmsServicesUrl} data-testid="install-anyway-link" className="underline">
                  Try anyway
                </a>{" "}
                (publishers only).
              </>
            ) : null}
          </p>
        ) : (
          <div className="shrink-0">
            <InstallPanel
              links={links}
              label={`${build.version} (${build.buildNumber})`}
              blockers={blockers}
              contact={undefined}
              problems={problems}
              device={device}
              qr="link"
              buildPagePath={buildPagePath}
              publisher={publisher}
              size="small"
              firstLaunch={row.firstLaunch}
              registerHref={registerHref}
            />
          </div>
        )}
      </div>
    </li>
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
