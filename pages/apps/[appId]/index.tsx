import type { GetServerSideProps } from "next";
import { AppInstallView, type AppInstallViewProps } from "@/components/install/app-install-view";
import { type LitePageProps, litePageOf } from "@/components/layout/lite-page";
import { litePageProps } from "@/components/layout/shell-props";
import { isAdmin } from "@/lib/access/app-access";
import { buildLevelWarnings, buildWarnings, employeeWarnings, installBlockers } from "@/lib/analysis/build-warnings";
import { getAppFor } from "@/lib/apps/data";
import { installCounts, recordAudit } from "@/lib/audit/audit";
import { isPublisher, requireUserRequest } from "@/lib/auth/require-user";
import { listBuildsFor } from "@/lib/builds/data";
import { listChannelsFor } from "@/lib/channels/data";
import { deviceBlocker } from "@/lib/devices/data";
import { DEVICE_COOKIE, deviceOfCookie } from "@/lib/devices/device-cookie";
import { pageIconPath } from "@/lib/download/icon-response";
import { nodeHeaders, requestContext } from "@/lib/http/request-context";
import { installLinksFor } from "@/lib/install-links/install-links-for";
import { watchControlFor } from "@/lib/notifications/data";
import { classifyDevice, deviceProblems } from "@/lib/ui/device";
import { mayManageUpdateKeys } from "@/lib/update-check/data";

/**
 * The install page (/apps/{appId}): employees on iPhones pick a version and tap
 * Install. A Pages Router page so that it ships without the React runtime
 * (≤ 100 KB on a cold cache, tests/e2e-iphone.test.ts): everything is decided
 * here, on the server; the view is plain HTML plus public/page-script.js.
 */
export const config = { unstable_runtimeJS: false };

type Props = LitePageProps<AppInstallViewProps>;

export const getServerSideProps: GetServerSideProps<Props, { appId: string }> = async (context) => {
  const appId = context.params?.appId ?? "";
  const { user, redirect } = await requireUserRequest(context, `/apps/${appId}`);
  if (redirect) return { redirect };
  const app = await getAppFor(user, appId);
  if (!app) return { notFound: true };
  const requestHeaders = nodeHeaders(context.req.headers);
  const builds = await listBuildsFor(user, app.id);
  const now = new Date();
  // Publishers (admins, uploaders) see every warning; employees only what blocks their install.
  const publisher = isPublisher(user);
  const userAgent = requestHeaders.get("user-agent") ?? "";
  const device = classifyDevice(userAgent);
  const currentDevice = await deviceOfCookie(user, context.req.cookies[DEVICE_COOKIE]);
  const rows = builds.map((build) => {
    const warnings = buildLevelWarnings(buildWarnings(build, now));
    const onDevice = deviceBlocker(build, currentDevice);
    return { build, warnings, blockers: [...installBlockers(warnings), ...(onDevice ? [onDevice] : [])] };
  });
  // The version the page leads with (steps, the desktop's QR code): the newest one that can install.
  const primary = rows.find((r) => r.blockers.length === 0)?.build ?? null;
  await recordAudit({
    action: "install_page.view",
    actor: user,
    appId: app.id,
    // Per build, for the install funnel: the version the page offers first.
    buildId: primary?.id ?? builds[0]?.id ?? null,
    context: requestContext(requestHeaders),
    details: { page: "app", shownBuildIds: builds.map((b) => b.id) },
  });
  // Admins only: how often each build was installed.
  const counts = isAdmin(user) ? await installCounts(builds.map((b) => b.id)) : null;
  const latest = builds[0];
  const view: AppInstallViewProps = {
    app: { id: app.id, name: app.name, bundleId: app.bundleId, description: app.description ?? null },
    iconPath: latest ? pageIconPath(latest, 128) : null,
    guidancePageUrl: latest ? installLinksFor(user, latest, now).pageUrl : null,
    device,
    channels: await listChannelsFor(user, app.id),
    rows: rows.map(({ build, warnings, blockers }) => ({
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
      warnings: publisher ? warnings : employeeWarnings(warnings),
      blockers,
      links: installLinksFor(user, build, now),
      problems: deviceProblems(
        { deviceFamily: build.analysis?.ipa.deviceFamily ?? [], minimumOsVersion: build.minimumOsVersion },
        userAgent,
      ),
      counts: counts ? (counts.get(build.id) ?? { manifests: 0, downloads: 0, users: 0 }) : null,
    })),
    primaryId: primary?.id ?? null,
    steps: primary
      ? {
          appName: primary.name,
          enterprise: primary.analysis?.profile?.type === "enterprise",
          developer: primary.analysis?.profile?.teamName ?? null,
        }
      : null,
    publisher,
    watch: {
      ...(await watchControlFor(user, app.id, null)),
      updateKeysPath: (await mayManageUpdateKeys(user, app.id)) ? `/apps/${app.id}/update-keys` : null,
    },
  };
  return litePageProps(context.req, user, view);
};

export default litePageOf("App", AppInstallView);
