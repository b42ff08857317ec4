import { ReleaseNotes } from "@/components/builds/release-notes";
import { WatchControl, type WatchControlProps } from "@/components/notifications/watch-control";
import { CopyButton } from "@/components/ui/copy-button";
import type { BuildDto } from "@/lib/builds/data";
import { formatDate } from "@/lib/ui/format";

export type ChannelViewProps = {
  appId: string;
  channel: string;
  /** The channel's newest build, or null when it has none yet. */
  build: Pick<BuildDto, "id" | "name" | "version" | "buildNumber" | "createdAt" | "notes"> | null;
  /** The channel's stable page and install addresses (absolute, from PUBLIC_URL). */
  pageUrl: string;
  installUrl: string;
  /** The Watch / Unwatch control for this channel. */
  watch?: WatchControlProps;
};

/** A channel's stable page: always shows (and installs) its newest build. Plain HTML (no React runtime). */
export function ChannelView({ appId, channel, build, pageUrl, installUrl, watch }: ChannelViewProps) {
  return (
    <div className="space-y-6" data-testid="channel-page">
      <a href={`/apps/${appId}`} className="text-sm text-slate-600 hover:underline dark:text-slate-300">
        ← All versions
      </a>
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">
          {build ? build.name : "Channel"} · {channel}
        </h1>
        <p className="text-sm text-slate-500 dark:text-slate-400">
          This page and its Install button always mean the newest build here.
        </p>
      </div>
      {watch ? <WatchControl {...watch} /> : null}
      {build ? (
        <section className="space-y-3 rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900">
          <p>
            Newest:{" "}
            <a
              href={`/apps/${appId}/builds/${build.id}`}
              className="font-medium hover:underline"
              data-testid="channel-latest"
            >
              {build.version} ({build.buildNumber})
            </a>{" "}
            <span className="text-sm text-slate-500 dark:text-slate-400">uploaded {formatDate(build.createdAt)}</span>
          </p>
          <a
            href={installUrl}
            data-testid="channel-install-link"
            className="inline-flex items-center justify-center rounded-lg bg-sky-700 px-5 py-3 text-base font-semibold text-white hover:bg-sky-800"
          >
            Install {build.name} {build.version}
          </a>
          {build.notes ? <ReleaseNotes markdown={build.notes} /> : null}
        </section>
      ) : (
        <p className="rounded-xl border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-300">
          No build in this channel yet.
        </p>
      )}
      {/* The URL wraps anywhere and Copy wraps below it: a long link must not widen a 390 px phone's page. */}
      <p className="flex flex-wrap items-center gap-2 text-sm text-slate-600 dark:text-slate-300">
        Stable link: <code className="min-w-0 break-all rounded bg-slate-100 px-1 dark:bg-slate-800">{pageUrl}</code>
        <CopyButton text={pageUrl} />
      </p>
    </div>
  );
}
