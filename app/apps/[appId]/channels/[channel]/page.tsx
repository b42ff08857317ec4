import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ReleaseNotes } from "@/components/builds/release-notes";
import { CopyButton } from "@/components/ui/copy-button";
import { requireUserPage } from "@/lib/auth/require-user";
import { latestBuildInChannelFor, parseChannelName } from "@/lib/channels/data";
import { env } from "@/lib/config/env";
import { channelInstallUrl, channelPageUrl } from "@/lib/install-links/urls";
import { formatDate } from "@/lib/ui/format";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ appId: string; channel: string }> };

export const metadata: Metadata = { title: "Channel" };

/** Stable page of a channel: always shows (and installs) its newest build. */
export default async function ChannelPage({ params }: Props) {
  const { appId, channel } = await params;
  const name = parseChannelName(channel);
  if (name === null) notFound();
  const user = await requireUserPage(`/apps/${appId}/channels/${encodeURIComponent(name)}`);
  const latest = await latestBuildInChannelFor(user, appId, name);
  if (!latest.channel) notFound();
  const publicUrl = env().publicUrl;
  const pageUrl = channelPageUrl(publicUrl, appId, latest.channel.name);
  const build = latest.build;
  return (
    <div className="space-y-6" data-testid="channel-page">
      <Link href={`/apps/${appId}`} className="text-sm text-slate-600 hover:underline">
        ← All versions
      </Link>
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">
          {build ? build.name : "Channel"} · {latest.channel.name}
        </h1>
        <p className="text-sm text-slate-500">This page and its Install button always mean the newest build here.</p>
      </div>
      {build ? (
        <section className="space-y-3 rounded-xl border border-slate-200 bg-white p-5">
          <p>
            Newest:{" "}
            <Link
              href={`/apps/${appId}/builds/${build.id}`}
              className="font-medium hover:underline"
              data-testid="channel-latest"
            >
              {build.version} ({build.buildNumber})
            </Link>{" "}
            <span className="text-sm text-slate-500">uploaded {formatDate(build.createdAt)}</span>
          </p>
          <a
            href={channelInstallUrl(publicUrl, appId, latest.channel.name)}
            data-testid="channel-install-link"
            className="inline-flex items-center justify-center rounded-lg bg-sky-600 px-5 py-3 text-base font-semibold text-white hover:bg-sky-700"
          >
            Install {build.name} {build.version}
          </a>
          {build.notes ? <ReleaseNotes markdown={build.notes} /> : null}
        </section>
      ) : (
        <p className="rounded-xl border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600">
          No build in this channel yet.
        </p>
      )}
      <p className="flex items-center gap-2 text-sm text-slate-600">
        Stable link: <code className="rounded bg-slate-100 px-1">{pageUrl}</code>
        <CopyButton text={pageUrl} />
      </p>
    </div>
  );
}
