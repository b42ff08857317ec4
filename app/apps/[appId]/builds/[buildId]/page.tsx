import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { notFound } from "next/navigation";
import { BuildAnalysisDetails } from "@/components/builds/build-analysis";
import { BuildIcon } from "@/components/builds/build-icon";
import { BuildManagePanel } from "@/components/builds/build-manage-panel";
import { ProfileSummary } from "@/components/builds/profile-summary";
import { ReleaseNotes } from "@/components/builds/release-notes";
import { WarningList } from "@/components/builds/warning-list";
import { ChannelBadges } from "@/components/channels/channel-badges";
import { InstallCard } from "@/components/install/install-card";
import { withExpiry } from "@/lib/analysis/analyze-build";
import { buildWarnings, employeeWarnings } from "@/lib/analysis/build-warnings";
import { recordAudit } from "@/lib/audit/audit";
import { isPublisher, requireUserPage } from "@/lib/auth/require-user";
import { getBuildFor } from "@/lib/builds/data";
import { requestContext } from "@/lib/http/request-context";
import { installLinksFor } from "@/lib/install-links/install-links-for";
import { formatBytes, formatDate } from "@/lib/ui/format";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ appId: string; buildId: string }> };

export const metadata: Metadata = { title: "Build" };

export default async function BuildPage({ params }: Props) {
  const { appId, buildId } = await params;
  const user = await requireUserPage(`/apps/${appId}/builds/${buildId}`);
  const build = await getBuildFor(user, appId, buildId);
  if (!build) notFound();
  await recordAudit({
    action: "install_page.view",
    actor: user,
    appId: build.appId,
    buildId: build.id,
    context: requestContext(await headers()),
  });
  const now = new Date();
  const links = installLinksFor(user, build, now);
  const publisher = isPublisher(user);
  const allWarnings = buildWarnings(build, now);
  const warnings = publisher ? allWarnings : employeeWarnings(allWarnings);
  const profile = build.analysis?.profile ? withExpiry(build.analysis.profile, now) : null;
  const rows: [string, string][] = [
    ["Bundle ID", build.bundleId],
    ["Version", build.version],
    ["Build", build.buildNumber],
    ["Minimum iOS", build.minimumOsVersion ?? "—"],
    ["Size", formatBytes(build.sizeBytes)],
    ["Uploaded", formatDate(build.createdAt)],
    ["Uploaded by", build.uploadedBy ?? "—"],
    ["SHA-256", build.sha256],
  ];
  return (
    <div className="space-y-6">
      <Link href={`/apps/${build.appId}`} className="text-sm text-slate-600 hover:underline">
        ← All versions of {build.name}
      </Link>
      <div className="flex items-center gap-4">
        <BuildIcon src={links.icon512Url} name={build.name} size={64} />
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">{build.name}</h1>
          <p className="text-sm text-slate-500">
            Version {build.version} ({build.buildNumber})
          </p>
        </div>
      </div>
      <ChannelBadges appId={build.appId} channels={build.channels} />
      <WarningList warnings={warnings} showHints={publisher} />
      <section className="rounded-xl border border-slate-200 bg-white p-5">
        <InstallCard links={links} label={`${build.name} ${build.version}`} />
      </section>
      {build.notes ? (
        <section className="rounded-xl border border-slate-200 bg-white p-5">
          <h2 className="mb-2 font-semibold">Release notes</h2>
          <ReleaseNotes markdown={build.notes} />
        </section>
      ) : null}
      {publisher ? <BuildManagePanel build={build} /> : null}
      <section className="rounded-xl border border-slate-200 bg-white p-5">
        <h2 className="mb-3 font-semibold">Details</h2>
        <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[11rem_1fr]">
          {rows.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-slate-500">{k}</dt>
              <dd className="break-all font-medium">{v}</dd>
            </div>
          ))}
        </dl>
      </section>
      {publisher && build.analysis ? (
        <section className="rounded-xl border border-slate-200 bg-white p-5">
          <h2 className="mb-3 font-semibold">Contents</h2>
          <BuildAnalysisDetails analysis={build.analysis} sizeBytes={build.sizeBytes} />
        </section>
      ) : null}
      {publisher ? (
        <section className="rounded-xl border border-slate-200 bg-white p-5">
          <h2 className="mb-3 font-semibold">Provisioning profile</h2>
          {profile ? (
            <ProfileSummary profile={profile} showDevices />
          ) : (
            <p className="text-sm text-slate-600">
              {build.analysis?.profileError ?? "This build has no embedded provisioning profile."}
            </p>
          )}
        </section>
      ) : null}
    </div>
  );
}
