import type { WatchControlProps } from "@/components/notifications/watch-control";
import { can } from "@/lib/access/policy";
import { withExpiry } from "@/lib/analysis/analyze-build";
import { buildLevelWarnings, buildWarnings, employeeWarnings, installBlockers } from "@/lib/analysis/build-warnings";
import type { Warning } from "@/lib/analysis/profile/install-readiness";
import type { ProfileInfo } from "@/lib/analysis/profile/parse-profile";
import { getAppFor } from "@/lib/apps/data";
import { queueAudit } from "@/lib/audit/audit-queue";
import { type InstallCount, type InstallFunnel, installCounts, installFunnel } from "@/lib/audit/install-analytics";
import { type BuildDto, getBuildFor, listBuildsPageFor } from "@/lib/builds/data";
import { type ChannelDto, listChannelsFor } from "@/lib/channels/data";
import { leadOf } from "@/lib/channels/default-channel";
import { env } from "@/lib/config/env";
import { type DeviceDto, deviceBlocker } from "@/lib/devices/data";
import { deviceOfCookie } from "@/lib/devices/device-cookie";
import { pageIconPath } from "@/lib/download/icon-path";
import { requestContext } from "@/lib/http/request-context";
import { type BuildLinks, installLinksFor } from "@/lib/install-links/install-links-for";
import { appPageUrl } from "@/lib/install-links/urls";
import { type FirstLaunch, firstLaunchOf } from "@/lib/install-page/first-launch";
import { watchControlFor } from "@/lib/notifications/data";
import { classifyDevice, type DeviceKind, type DeviceProblem, deviceProblems } from "@/lib/ui/device";
import { formatBytes, formatDate } from "@/lib/ui/format";
import { mayManageUpdateKeys } from "@/lib/update-check/data";
import type { UserDto } from "@/lib/users/data";

/**
 * Everything the two install pages show, decided in one place: the app page
 * (/apps/{appId}, pages/, every version) and the build page
 * (/apps/{appId}/builds/{buildId}, app/, one version). Both pages only pass
 * the request in and render what comes back; each load records the
 * install-page view (the install funnel's first step).
 */

/** The request, as either router gives it. */
export type InstallPageRequest = {
  headers: { get(name: string): string | null };
  /** The value of the DEVICE_COOKIE cookie (lib/devices/device-cookie.ts), if any. */
  deviceCookie: string | undefined;
  /** The app page's `?cursor=`: which page of versions (lib/http/pagination.ts). */
  cursor?: string;
};

/** Who is looking, from what: shared by every version on a page. */
type Viewer = {
  user: UserDto;
  /** Admins and uploaders see every warning; employees only what blocks their install. */
  publisher: boolean;
  userAgent: string;
  device: DeviceKind;
  currentDevice: DeviceDto | null;
  now: Date;
};

async function viewerOf(user: UserDto, request: InstallPageRequest, now: Date): Promise<Viewer> {
  const userAgent = request.headers.get("user-agent") ?? "";
  return {
    user,
    publisher: can(user, "build.read-all-warnings"),
    userAgent,
    device: classifyDevice(userAgent),
    currentDevice: await deviceOfCookie(user, request.deviceCookie),
    now,
  };
}

/** One version as the viewer can install it. */
type InstallState = {
  /** The build's warnings, every one (the page narrows them for employees). */
  warnings: Warning[];
  /** Why iOS will refuse this build here (a device not in its profile too): then no link is offered. */
  blockers: Warning[];
  problems: DeviceProblem[];
  links: BuildLinks;
  /** What the build asks for on first launch (trust, Developer Mode, a registered device). */
  firstLaunch: FirstLaunch;
};

function installStateOf(build: BuildDto, viewer: Viewer): InstallState {
  const warnings = buildLevelWarnings(buildWarnings(build, viewer.now));
  // A device registered in this browser that the profile does not list cannot install either.
  const onDevice = deviceBlocker(build, viewer.currentDevice);
  return {
    warnings,
    blockers: [...installBlockers(warnings), ...(onDevice ? [onDevice] : [])],
    problems: deviceProblems(
      { deviceFamily: build.analysis?.ipa.deviceFamily ?? [], minimumOsVersion: build.minimumOsVersion },
      viewer.userAgent,
    ),
    links: installLinksFor(viewer.user, build, viewer.now),
    firstLaunch: firstLaunchOf(build),
  };
}

/** Why iOS will refuse `build` for this reader (the channel page: its newest build), decided as on the app and build pages. */
export async function installBlockersFor(
  user: UserDto,
  build: BuildDto,
  request: InstallPageRequest,
  now = new Date(),
): Promise<Warning[]> {
  return installStateOf(build, await viewerOf(user, request, now)).blockers;
}

/** One version on the install page, everything decided here. */
export type InstallRow = {
  build: Pick<
    BuildDto,
    | "id"
    | "name"
    | "version"
    | "buildNumber"
    | "createdAt"
    | "sizeBytes"
    | "minimumOsVersion"
    | "notes"
    | "uploadedBy"
    | "channels"
    | "resignedFrom"
  >;
  /**
   * Where the version sits: "lead" (the big Install), "channel" (another
   * channel's newest, newer than the lead: labelled, secondary) or "older"
   * (collapsed).
   */
  place: "lead" | "channel" | "older";
  /** Another shown build has the same version and build number: the view tells them apart (date, re-signed, channels, digest). */
  sameVersionAs: number;
  /** The first characters of the build's SHA-256, to tell same-version builds apart. */
  digest: string;
  /** What the reader is shown (publishers: every warning; employees: what affects their install). */
  warnings: Warning[];
  /** Why iOS will refuse this build: then there is no link at all. */
  blockers: Warning[];
  links: BuildLinks;
  problems: DeviceProblem[];
  firstLaunch: FirstLaunch;
  /** Admins only: how often it was installed. */
  counts: InstallCount | null;
};

/**
 * The page's one "ask" message, when a shown version cannot install here:
 * who uploaded it (or the app's team), and whether the device is what is
 * missing. On the lead card when the lead is blocked, else under the list.
 */
export type AskMessage = { contact: string | null; device: boolean; where: "lead" | "list" };

export type AppInstallViewProps = {
  app: { id: string; name: string; bundleId: string; description: string | null };
  /** Versions are shown APP_PAGE_BUILDS at a time: this page's cursor (null on the first) and the next one's. */
  cursor: string | null;
  nextCursor: string | null;
  /** The app's default channel (lib/channels/default-channel.ts), when the reader sees it. */
  defaultChannel: string | null;
  /** The lead build's icon. */
  iconPath: string | null;
  /** The page the in-app browser warning copies: this one. */
  guidancePageUrl: string | null;
  device: DeviceKind;
  channels: ChannelDto[];
  /** The lead first, then other channels' newest (newer than the lead), then the older versions. */
  rows: InstallRow[];
  /** The version the page leads with (the big Install, steps, the desktop's QR code) when it can install here. */
  primaryId: string | null;
  ask: AskMessage | null;
  /** The primary version's "after you tap Install" steps. */
  steps: ({ appName: string } & FirstLaunch) | null;
  publisher: boolean;
  /** The Watch / Unwatch control (email when a new build is out). */
  watch?: WatchControlProps;
};

/** Versions per app page: an app with years of builds is paged (lib/http/pagination.ts), not listed whole. */
const APP_PAGE_BUILDS = 30;

/** The app page's props, or null when `user` may not see the app (404). */
export async function loadAppInstallPage(
  user: UserDto,
  appId: string,
  request: InstallPageRequest,
  now = new Date(),
): Promise<AppInstallViewProps | null> {
  const app = await getAppFor(user, appId);
  if (!app) return null;
  const [page, leads, channels] = await Promise.all([
    listBuildsPageFor(user, app.id, { limit: APP_PAGE_BUILDS, cursor: request.cursor }),
    leadOf(user, [app.id]),
    listChannelsFor(user, app.id),
  ]);
  const lead = leads.get(app.id);
  const leadId = lead?.build?.id;
  // The lead belongs to the first page, wherever its upload date falls; later pages list only older versions.
  let builds = request.cursor ? page.items.filter((b) => b.id !== leadId) : page.items;
  if (!request.cursor && leadId && !builds.some((b) => b.id === leadId)) {
    const leadRow = await getBuildFor(user, app.id, leadId);
    if (leadRow) builds = [...builds, leadRow];
  }
  const viewer = await viewerOf(user, request, now);
  // The default channel's newest build leads; without one (or nothing in it for this reader), the newest build.
  const leadBuild = request.cursor ? null : (builds.find((b) => b.id === leadId) ?? builds[0] ?? null);
  const leadIndex = leadBuild ? builds.indexOf(leadBuild) : -1;
  // Other channels' newest builds that are newer than the lead: labelled, shown second, not collapsed.
  const channelNewest = new Set(channels.flatMap((c) => (c.latest ? [c.latest.id] : [])));
  const placeOf = (build: BuildDto, index: number): InstallRow["place"] =>
    build === leadBuild ? "lead" : index < leadIndex && channelNewest.has(build.id) ? "channel" : "older";
  const order: InstallRow["place"][] = ["lead", "channel", "older"];
  const placed = builds
    .map((build, index) => ({ build, place: placeOf(build, index), ...installStateOf(build, viewer) }))
    .sort((a, b) => order.indexOf(a.place) - order.indexOf(b.place));
  const primary = placed[0]?.place === "lead" && placed[0].blockers.length === 0 ? placed[0].build : null;
  const firstBlocked = placed.find((r) => r.blockers.length > 0);
  const leadBlocked = placed[0]?.place === "lead" && placed[0].blockers.length > 0;
  // Written just behind the answer with the manifest's and the download's rows (one INSERT for many
  // views): a release-morning burst of page loads no longer waits for a commit each.
  await queueAudit(
    {
      action: "install_page.view",
      actor: user,
      appId: app.id,
      // Per build, for the install funnel: the version the page offers first.
      buildId: leadBuild?.id ?? null,
      context: requestContext(request.headers),
      details: { page: "app", shownBuildIds: builds.map((b) => b.id) },
    },
    { wait: "queued" },
  );
  // Admins only: how often each build was installed.
  const counts = can(user, "build.read-stats") ? await installCounts(builds.map((b) => b.id)) : null;
  const latest = builds[0];
  const versionKey = (b: BuildDto) => `${b.version}\u0000${b.buildNumber}`;
  const sameVersion = new Map<string, number>();
  for (const b of builds) sameVersion.set(versionKey(b), (sameVersion.get(versionKey(b)) ?? 0) + 1);
  return {
    app: { id: app.id, name: app.name, bundleId: app.bundleId, description: app.description ?? null },
    cursor: request.cursor ?? null,
    nextCursor: page.nextCursor,
    defaultChannel: lead?.channel ?? null,
    iconPath: leadBuild ? pageIconPath(leadBuild, 128) : latest ? pageIconPath(latest, 128) : null,
    guidancePageUrl: latest ? appPageUrl(env().publicUrl, app.id) : null,
    device: viewer.device,
    channels,
    rows: placed.map(({ build, place, warnings, blockers, links, problems, firstLaunch }) => ({
      build: {
        id: build.id,
        name: build.name,
        version: build.version,
        buildNumber: build.buildNumber,
        createdAt: build.createdAt,
        sizeBytes: build.sizeBytes,
        minimumOsVersion: build.minimumOsVersion,
        notes: build.notes,
        uploadedBy: build.uploadedBy,
        channels: build.channels,
        resignedFrom: build.resignedFrom,
      },
      place,
      sameVersionAs: (sameVersion.get(versionKey(build)) ?? 1) - 1,
      digest: build.sha256.slice(0, 8),
      warnings: viewer.publisher ? warnings : employeeWarnings(warnings),
      blockers,
      links,
      problems,
      firstLaunch,
      counts: counts ? (counts.get(build.id) ?? { manifests: 0, downloads: 0, users: 0 }) : null,
    })),
    primaryId: primary?.id ?? null,
    ask: firstBlocked
      ? {
          contact: (leadBlocked ? placed[0] : firstBlocked)?.build.uploadedBy ?? null,
          device:
            (leadBlocked ? placed[0] : firstBlocked)?.blockers.some((b) => b.code === "device_not_in_profile") ?? false,
          where: leadBlocked ? "lead" : "list",
        }
      : null,
    steps: primary ? { appName: primary.name, ...firstLaunchOf(primary) } : null,
    publisher: viewer.publisher,
    watch: {
      ...(await watchControlFor(user, app.id, null)),
      updateKeysPath: (await mayManageUpdateKeys(user, app.id)) ? `/apps/${app.id}/update-keys` : null,
    },
  };
}

export type BuildInstallPage = InstallState & {
  build: BuildDto;
  device: DeviceKind;
  publisher: boolean;
  /** The embedded profile with its expiry as of now; null when there is none. */
  profile: ProfileInfo | null;
  /** Admins only: where installs of this build stop. */
  funnel: InstallFunnel | null;
  /** The details table, label and value. */
  details: [string, string][];
};

/** The build page's data, or null when `user` may not see the build (404). */
export async function loadBuildInstallPage(
  user: UserDto,
  appId: string,
  buildId: string,
  request: InstallPageRequest,
  now = new Date(),
): Promise<BuildInstallPage | null> {
  const build = await getBuildFor(user, appId, buildId);
  if (!build) return null;
  await queueAudit(
    {
      action: "install_page.view",
      actor: user,
      appId: build.appId,
      buildId: build.id,
      context: requestContext(request.headers),
      details: { page: "build" },
    },
    // An admin's page shows the funnel, which counts this view too: theirs waits for the write.
    { wait: can(user, "build.read-stats") ? "written" : "queued" },
  );
  const viewer = await viewerOf(user, request, now);
  const state = installStateOf(build, viewer);
  // Employees see what affects their install, and a blocker once (in the install panel, not twice).
  const warnings = (viewer.publisher ? state.warnings : employeeWarnings(state.warnings)).filter(
    (w) => viewer.publisher || !state.blockers.includes(w),
  );
  return {
    ...state,
    warnings,
    build,
    device: viewer.device,
    publisher: viewer.publisher,
    profile: build.analysis?.profile ? withExpiry(build.analysis.profile, now) : null,
    funnel: can(user, "build.read-stats") ? await installFunnel(build.id) : null,
    details: [
      ["Bundle ID", build.bundleId],
      ["Version", build.version],
      ["Build", build.buildNumber],
      ["Minimum iOS", build.minimumOsVersion ?? "—"],
      ["Size", formatBytes(build.sizeBytes)],
      ["Uploaded", formatDate(build.createdAt)],
      ["Uploaded by", build.uploadedBy ?? "—"],
      ["SHA-256", build.sha256],
    ],
  };
}
