import { ReleaseNotes } from "@/components/builds/release-notes";
import { InstallGuidance } from "@/components/install/install-guidance";
import { INSTALL_BUTTON, InstallBlocked } from "@/components/install/install-panel";
import { InstallSteps } from "@/components/install/install-steps";
import { QrCode } from "@/components/install/qr-code";
import { WatchControl, type WatchControlProps } from "@/components/notifications/watch-control";
import { CopyButton } from "@/components/ui/copy-button";
import { LocalTime } from "@/components/ui/local-time";
import type { BuildDto } from "@/lib/builds/data";
import { withReturnTo } from "@/lib/devices/return-to";
import type { FirstLaunch } from "@/lib/install-page/first-launch";
import type { DeviceKind } from "@/lib/ui/device";
import { CARD, MUTED } from "@/lib/ui/styles";

export type ChannelViewProps = {
  appId: string;
  channel: string;
  /** The channel's newest build, or null when it has none yet. */
  build: Pick<BuildDto, "id" | "name" | "version" | "buildNumber" | "createdAt" | "notes"> | null;
  /** Why iOS will refuse the newest build here: then no Install, the reasons instead. */
  blockers: { code: string; message: string }[];
  /** What the newest build asks for on first launch (trust, Developer Mode…); null without a build. */
  firstLaunch: FirstLaunch | null;
  /** The server's reading of the user agent (the page script refines it: iPadOS poses as a Mac). */
  device: DeviceKind;
  /** The channel's stable page and install addresses (absolute, from PUBLIC_URL). */
  pageUrl: string;
  installUrl: string;
  /** The Watch / Unwatch control for this channel. */
  watch?: WatchControlProps;
};

/**
 * A channel's stable page: always shows (and installs) its newest build. Plain HTML (no React runtime).
 * On an iPhone or iPad, Install; on a desktop a QR code of this page (scanned, it opens here on the
 * phone, where Install works) and Install points at it.
 */
export function ChannelView(props: ChannelViewProps) {
  const { appId, channel, build, blockers, firstLaunch, device, pageUrl, installUrl, watch } = props;
  const pagePath = `/apps/${appId}/channels/${encodeURIComponent(channel)}`;
  const onPhone = device === "ios" || device === "ios-in-app";
  return (
    <div className="min-w-0 space-y-6" data-testid="channel-page" data-device={device}>
      <a href={`/apps/${appId}`} className={`text-sm hover:underline ${MUTED}`}>
        ← All versions
      </a>
      <div className="min-w-0">
        <h1 className="break-words text-2xl font-semibold tracking-tight">
          {build ? build.name : "Channel"} · {channel}
        </h1>
        <p className="text-sm text-slate-600 dark:text-slate-300">
          This page and its Install button always mean the newest build here.
        </p>
      </div>
      {watch ? <WatchControl {...watch} /> : null}
      {build ? (
        <InstallGuidance
          pageUrl={pageUrl}
          initialKind={device}
          desktopHint="On your iPhone or iPad, scan the QR code with the Camera app: it opens this page there, where Install works."
        />
      ) : null}
      {build ? (
        <section className={`${CARD} min-w-0 space-y-3 p-5`}>
          <p className="break-words">
            Newest:{" "}
            <a
              href={`/apps/${appId}/builds/${build.id}`}
              className="font-medium hover:underline"
              data-testid="channel-latest"
            >
              {build.version} ({build.buildNumber})
            </a>{" "}
            <span className={`text-sm ${MUTED}`}>
              uploaded <LocalTime iso={build.createdAt} />
            </span>
          </p>
          {blockers.length > 0 ? (
            // The same verdict as the app and build pages: no Install that iOS would refuse.
            <InstallBlocked blockers={blockers} />
          ) : (
            <>
              <a href={installUrl} data-testid="channel-install-link" className={`${INSTALL_BUTTON} off-ios:hidden`}>
                <span className="in-app:hidden">
                  Install {build.name} {build.version}
                </span>
                <span className="hidden in-app:inline">
                  Install {build.name} {build.version} (works in Safari)
                </span>
              </a>
              {onPhone ? null : (
                <div className="on-ios:hidden space-y-2" data-testid="channel-desktop-install">
                  {/* A desktop cannot install: "Install" leads to the QR code, which opens this page on the phone. */}
                  <a href="#channel-qr" className={PRIMARY_ON_DESKTOP} data-testid="channel-install-desktop">
                    Install {build.name} {build.version} on your iPhone
                  </a>
                  <div id="channel-qr" className="scroll-mt-4">
                    <QrCode
                      value={pageUrl}
                      label={`QR code of this page, to install ${build.name} on an iPhone`}
                      size={232}
                    />
                    <p className={`mt-1 text-sm ${MUTED}`}>
                      Scan with your iPhone&apos;s or iPad&apos;s Camera: this page opens there; tap Install.
                    </p>
                  </div>
                </div>
              )}
            </>
          )}
          {blockers.length === 0 && firstLaunch ? (
            <InstallSteps
              appName={build.name}
              {...firstLaunch}
              registerHref={firstLaunch.registeredDevicesOnly ? withReturnTo("/devices", pagePath) : null}
              open={device === "ios"}
            />
          ) : null}
          {build.notes ? <ReleaseNotes markdown={build.notes} /> : null}
        </section>
      ) : (
        <p className="rounded-xl border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-300">
          No build in this channel yet.
        </p>
      )}
      {/* The URL wraps anywhere and Copy wraps below it: a long link must not widen a 390 px phone's page. */}
      <div className="flex min-w-0 flex-wrap items-center gap-2 text-sm text-slate-600 dark:text-slate-300">
        <span>Stable link:</span>
        <code className="min-w-0 max-w-full break-all rounded bg-slate-100 px-1 dark:bg-slate-800">{pageUrl}</code>
        <CopyButton text={pageUrl} />
      </div>
    </div>
  );
}

const PRIMARY_ON_DESKTOP =
  "inline-flex items-center justify-center rounded-lg bg-sky-700 px-5 py-3 text-base font-semibold text-white shadow-sm hover:bg-sky-800";
