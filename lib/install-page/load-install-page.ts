import type { WatchControlProps } from "@/components/notifications/watch-control";
import { can } from "@/lib/access/policy";
import { withExpiry } from "@/lib/analysis/analyze-build";
import { buildLevelWarnings, buildWarnings, employeeWarnings, installBlockers } from "@/lib/analysis/build-warnings";
import type { Warning } from "@/lib/analysis/profile/install-readiness";
import type { ProfileInfo } from "@/lib/analysis/profile/parse-profile";
import { getAppFor } from "@/lib/apps/data";
import { recordAudit } from "@/lib/audit/audit";
import { type InstallCount, type InstallFunnel, installCounts, installFunnel } from "@/lib/audit/install-analytics";
import { type BuildDto, getBuildFor, listBuildsPageFor } from "@/lib/builds/data";
import { type ChannelDto, listChannelsFor } from "@/lib/channels/data";
import { env } from "@/lib/config/env";
import { type DeviceDto, deviceBlocker } from "@/lib/devices/data";
import { deviceOfCookie } from "@/lib/devices/device-cookie";
import { pageIconPath } from "@/lib/download/icon-response";
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
  >;
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

export type AppInstallViewProps = {
  app: { id: string; name: string; bundleId: string; description: string | null };
  /** Versions are shown APP_PAGE_BUILDS at a time: this page's cursor (null on the first) and the next one's. */
  cursor: string | null;
  nextCursor: string | null;
  /** The newest build's icon. */
  iconPath: string | null;
  /** The page the in-app browser warning copies: this one. */
  guidancePageUrl: string | null;
  device: DeviceKind;
  channels: ChannelDto[];
  rows: InstallRow[];
  /** The version the page leads with (steps, the desktop's QR code): the newest one that can install. */
  primaryId: string | null;
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
  const page = await listBuildsPageFor(user, app.id, { limit: APP_PAGE_BUILDS, cursor: request.cursor });
  const builds = page.items;
  const viewer = await viewerOf(user, request, now);
  const rows = builds.map((build) => ({ build, ...installStateOf(build, viewer) }));
  // The version the page leads with (steps, the desktop's QR code): the newest one that can install.
  const primary = rows.find((r) => r.blockers.length === 0)?.build ?? null;
  await recordAudit({
    action: "install_page.view",
    actor: user,
    appId: app.id,
    // Per build, for the install funnel: the version the page offers first.
    buildId: primary?.id ?? builds[0]?.id ?? null,
    context: requestContext(request.headers),
    details: { page: "app", shownBuildIds: builds.map((b) => b.id) },
  });
  // Admins only: how often each build was installed.
  const counts = can(user, "build.read-stats") ? await installCounts(builds.map((b) => b.id)) : null;
  const latest = builds[0];
  return {
    app: { id: app.id, name: app.name, bundleId: app.bundleId, description: app.description ?? null },
    cursor: request.cursor ?? null,
    nextCursor: page.nextCursor,
    iconPath: latest ? pageIconPath(latest, 128) : null,
    guidancePageUrl: latest ? appPageUrl(env().publicUrl, app.id) : null,
    device: viewer.device,
    channels: await listChannelsFor(user, app.id),
    rows: rows.map(({ build, warnings, blockers, links, problems, firstLaunch }) => ({
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
      },
      warnings: viewer.publisher ? warnings : employeeWarnings(warnings),
      blockers,
      links,
      problems,
      firstLaunch,
      counts: counts ? (counts.get(build.id) ?? { manifests: 0, downloads: 0, users: 0 }) : null,
    })),
    primaryId: primary?.id ?? null,
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
  await recordAudit({
    action: "install_page.view",
    actor: user,
    appId: build.appId,
    buildId: build.id,
    context: requestContext(request.headers),
    details: { page: "build" },
  });
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
