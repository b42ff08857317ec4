import type { Metadata } from "next";
import { cookies, headers } from "next/headers";
import { notFound } from "next/navigation";
import { BuildAnalysisDetails } from "@/components/builds/build-analysis";
import { BuildIcon } from "@/components/builds/build-icon";
import { BuildManagePanel } from "@/components/builds/build-manage-panel";
import { InstallFunnelSection } from "@/components/builds/install-funnel";
import { ProfileSummary } from "@/components/builds/profile-summary";
import { ReleaseNotes } from "@/components/builds/release-notes";
import { WarningList } from "@/components/builds/warning-list";
import { ChannelBadges } from "@/components/channels/channel-badges";
import { AddDevicesPanel } from "@/components/devices/add-devices-panel";
import { DeviceCoverage } from "@/components/devices/device-coverage";
import { InstallGuidance } from "@/components/install/install-guidance";
import { InstallPanel } from "@/components/install/install-panel";
import { InstallSteps } from "@/components/install/install-steps";
import { ResignPanel } from "@/components/signing/resign-panel";
import { LocalTime } from "@/components/ui/local-time";
import { can } from "@/lib/access/policy";
import { provisioningStateFor } from "@/lib/app-store-connect/data";
import { mayPublishToApp } from "@/lib/apps/data";
import { requireUserPage } from "@/lib/auth/require-user";
import { appAudienceOf, channelNamesOf } from "@/lib/channels/data";
import { DEVICE_COOKIE } from "@/lib/devices/device-cookie";
import { withReturnTo } from "@/lib/devices/return-to";
import { pageIconPath } from "@/lib/download/icon-path";
import { loadBuildInstallPage } from "@/lib/install-page/load-install-page";
import { resignOptions } from "@/lib/signing/resign/options";
import { CARD, LINK, MUTED } from "@/lib/ui/styles";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ appId: string; buildId: string }> };

export const metadata: Metadata = { title: "Build" };

export default async function BuildPage({ params }: Props) {
  const { appId, buildId } = await params;
  const user = await requireUserPage(`/apps/${appId}/builds/${buildId}`);
  const page = await loadBuildInstallPage(user, appId, buildId, {
    headers: await headers(),
    deviceCookie: (await cookies()).get(DEVICE_COOKIE)?.value,
  });
  if (!page) notFound();
  const { build, device, links, publisher, warnings, blockers, problems, profile, funnel, details, firstLaunch } = page;
  const signing = can(user, "signing.manage") ? await resignOptions(user) : null;
  const provisioning = await provisioningStateFor(user, build.id);
  const offerAdd =
    provisioning?.available && (provisioning.missing.length > 0 || provisioning.pending.length > 0)
      ? provisioning
      : null;
  // Only for those who may publish to this app: an uploader of another app would be refused.
  const manage = (await mayPublishToApp(user, build.appId, "build.promote"))
    ? { channels: await channelNamesOf(user, { id: build.appId }), audience: await appAudienceOf(build.appId) }
    : null;
  return (
    <div className="space-y-6" data-device={device} data-testid="install-root">
      {/* A plain link: the install page is served without the React runtime (pages/). */}
      <a href={`/apps/${build.appId}`} className={`text-sm ${LINK}`}>
        ← All versions of {build.name}
      </a>
      <div className="flex items-center gap-4">
        <BuildIcon src={pageIconPath(build, 128)} name={build.name} size={64} />
        <div className="min-w-0">
          <h1 className="break-words text-2xl font-semibold tracking-tight">{build.name}</h1>
          <p className={`text-sm ${MUTED}`}>
            Version {build.version} ({build.buildNumber}) · uploaded <LocalTime iso={build.createdAt} />
          </p>
        </div>
      </div>
      <ChannelBadges appId={build.appId} channels={build.channels} />
      <InstallGuidance pageUrl={links.pageUrl} initialKind={device} />
      <WarningList warnings={warnings} showHints={publisher} />
      <DeviceCoverage build={build} user={user} />
      <section className={`${CARD} space-y-4 p-5`}>
        {offerAdd ? (
          <AddDevicesPanel
            buildId={build.id}
            appId={build.appId}
            initial={offerAdd}
            admin={can(user, "device.read-all")}
          />
        ) : null}
        <InstallPanel
          links={links}
          label={`${build.name} ${build.version}`}
          blockers={blockers}
          contact={build.uploadedBy}
          problems={problems}
          device={device}
          qr="large"
          buildPagePath={`/apps/${build.appId}/builds/${build.id}`}
          publisher={publisher}
        />
        {blockers.length === 0 ? (
          <>
            <InstallSteps
              appName={build.name}
              {...firstLaunch}
              registerHref={
                firstLaunch.registeredDevicesOnly
                  ? withReturnTo("/devices", `/apps/${build.appId}/builds/${build.id}`)
                  : null
              }
              open={device === "ios"}
            />
            <p className={`text-xs ${MUTED}`}>
              This link is personal and expires <LocalTime iso={links.expiresAt} />.
            </p>
          </>
        ) : null}
      </section>
      {funnel ? <InstallFunnelSection funnel={funnel} /> : null}
      {build.notes ? (
        <section className={`${CARD} p-5`}>
          <h2 className="mb-2 font-semibold">Release notes</h2>
          <ReleaseNotes markdown={build.notes} />
        </section>
      ) : null}
      {manage ? <BuildManagePanel build={build} appChannels={manage.channels} audience={manage.audience} /> : null}
      {signing ? <ResignPanel build={build} identities={signing.identities} profiles={signing.profiles} /> : null}
      <section className={`${CARD} p-5`}>
        <h2 className="mb-3 font-semibold">Details</h2>
        <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[11rem_1fr]">
          {details.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className={MUTED}>{k}</dt>
              <dd className="break-all font-medium">{v}</dd>
            </div>
          ))}
        </dl>
      </section>
      {publisher && build.analysis ? (
        <section className={`${CARD} p-5`}>
          <h2 className="mb-3 font-semibold">Contents</h2>
          <BuildAnalysisDetails analysis={build.analysis} sizeBytes={build.sizeBytes} />
        </section>
      ) : null}
      {publisher ? (
        <section className={`${CARD} p-5`}>
          <h2 className="mb-3 font-semibold">Provisioning profile</h2>
          {profile ? (
            <ProfileSummary profile={profile} showDevices />
          ) : (
            <p className={`text-sm ${MUTED}`}>
              {build.analysis?.profileError ?? "This build has no embedded provisioning profile."}
            </p>
          )}
        </section>
      ) : null}
    </div>
  );
}
