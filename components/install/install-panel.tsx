import Link from "next/link";
import type { ReactNode } from "react";
import { AskUploader } from "@/components/install/ask-uploader";
import { FreshInstallLink } from "@/components/install/fresh-install-link";
import { FirstLaunchHelp } from "@/components/install/install-steps";
import { QrCode } from "@/components/install/qr-code";
import type { Warning } from "@/lib/analysis/profile/install-readiness";
import type { BuildLinks } from "@/lib/install-links/install-links-for";
import type { FirstLaunch } from "@/lib/install-page/first-launch";
import type { DeviceKind, DeviceProblem } from "@/lib/ui/device";
import { LINK, MUTED, PRIMARY_BUTTON } from "@/lib/ui/styles";

type Props = {
  links: BuildLinks;
  /** e.g. "Example 1.2 (45)": what the button and the QR code's label name. */
  label: string;
  /** Why iOS will refuse the build on every device: then there is no link and no QR code at all. */
  blockers: Warning[];
  /** Who to ask for a build that works: the uploader, when known; undefined: the page asks elsewhere, once. */
  contact: string | null | undefined;
  /** What the user agent says about this device and this build (informs, never blocks). */
  problems: DeviceProblem[];
  /** The server's reading of the user agent: phones and tablets get no QR code in the HTML at all. */
  device: DeviceKind;
  /** "large": the QR code is the desktop's main action; "link": a link to the build page's QR code. */
  qr: "large" | "link";
  buildPagePath: string;
  /** Admins and uploaders may still try a blocked build (e.g. to confirm what iOS says); employees may not. */
  publisher: boolean;
  /**
   * The first-launch steps (trust, Developer Mode), folded under the Install: for an Install
   * with no full "After you tap Install" list beside it. Omitted where that list follows.
   */
  firstLaunch?: FirstLaunch | null;
  /** Where to register this device and come back (builds for registered devices only). */
  registerHref?: string | null;
  /** "small": a secondary version's link, so the page has one big Install (the lead's). */
  size?: "large" | "small";
};

const SMALL_BUTTON =
  "inline-flex items-center justify-center rounded-lg border border-sky-700 px-3 py-1.5 text-sm font-medium text-sky-800 hover:bg-sky-50 dark:border-sky-300 dark:text-sky-200 dark:hover:bg-slate-800";

/**
 * The Install button's look. Under an in-app browser's warning it steps back to a
 * secondary, muted button (the warning's "Copy link" leads: in-app browsers cannot install).
 */
export const INSTALL_BUTTON = `${PRIMARY_BUTTON} w-full sm:w-auto on-ios:w-full off-ios:w-auto off-ios:self-start off-ios:bg-transparent off-ios:px-0 off-ios:py-0 off-ios:text-sm off-ios:font-normal off-ios:text-sky-700 off-ios:shadow-none off-ios:underline dark:off-ios:text-sky-300 in-app:border in-app:border-slate-300 in-app:bg-white in-app:py-2 in-app:text-sm in-app:font-medium in-app:text-slate-700 in-app:shadow-none in-app:hover:bg-slate-100 dark:in-app:border-slate-600 dark:in-app:bg-slate-900 dark:in-app:text-slate-200 dark:in-app:hover:bg-slate-800`;

/** A secondary version's Install: one big Install per page (the lead's). */
const SMALL_INSTALL_BUTTON = `${SMALL_BUTTON} self-start sm:w-auto off-ios:w-auto off-ios:border-0 off-ios:bg-transparent off-ios:px-0 off-ios:py-0 off-ios:text-sm off-ios:font-normal off-ios:text-sky-700 off-ios:shadow-none off-ios:underline dark:off-ios:text-sky-300`;

/** Why iOS would refuse this build, in place of an Install button (app, build and channel pages alike). */
export function InstallBlocked({
  blockers,
  children,
}: {
  blockers: readonly { code: string; message: string }[];
  children?: ReactNode;
}) {
  return (
    <div
      data-testid="install-blocked"
      className="rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
    >
      <p className="font-semibold">This version can&apos;t be installed.</p>
      <ul className="mt-1 list-disc pl-5">
        {blockers.map((w) => (
          <li key={w.code}>{w.message}</li>
        ))}
      </ul>
      {children}
    </div>
  );
}

/**
 * One build's install action, device-aware: on iPhone/iPad the Install button;
 * on a desktop a large QR code of the same itms-services URL (a phone cannot
 * scan its own screen). A build that cannot install offers neither, and says why.
 */
export function InstallPanel({
  links,
  label,
  blockers,
  contact,
  problems,
  device,
  qr,
  buildPagePath,
  publisher,
  firstLaunch = null,
  registerHref = null,
  size = "large",
}: Props) {
  if (blockers.length > 0) {
    return (
      <InstallBlocked blockers={blockers}>
        {contact === undefined ? null : (
          <AskUploader contact={contact} device={blockers.some((b) => b.code === "device_not_in_profile")} />
        )}
        {publisher ? (
          <p className="mt-2 text-xs">
            Publishers only:{" "}
            <a href={links.itmsServicesUrl} data-testid="install-anyway-link" className="underline">
              try to install anyway
            </a>{" "}
            (to see what iOS says).
          </p>
        ) : null}
      </InstallBlocked>
    );
  }
  const onPhone = device === "ios" || device === "ios-in-app";
  return (
    <div className="flex flex-col gap-3">
      {problems.length > 0 ? (
        <ul
          data-testid="device-problems"
          className="space-y-1 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
        >
          {problems.map((p) => (
            <li key={p.code} data-code={p.code}>
              {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="flex flex-col gap-3 off-ios:flex-col-reverse">
        <FreshInstallLink
          href={links.itmsServicesUrl}
          freshHref={`${buildPagePath}/install`}
          expiresAt={links.expiresAt}
          testId="install-link"
          className={size === "large" ? INSTALL_BUTTON : SMALL_INSTALL_BUTTON}
        >
          <span className="off-ios:hidden in-app:hidden">Install {label}</span>
          <span className="hidden in-app:inline">Install {label} (works in Safari)</span>
          <span className="on-ios:hidden">Open the install link (on an iPhone or iPad)</span>
        </FreshInstallLink>
        {onPhone ? null : qr === "large" ? (
          <div className="on-ios:hidden">
            <QrCode value={links.itmsServicesUrl} label={`QR code to install ${label}`} size={264} />
            <p className={`mt-1 text-sm ${MUTED}`}>Scan with your iPhone&apos;s or iPad&apos;s Camera to install.</p>
          </div>
        ) : (
          <Link href={buildPagePath} className={`on-ios:hidden text-sm ${LINK}`} data-testid="qr-page-link">
            QR code for this version
          </Link>
        )}
      </div>
      {firstLaunch ? <FirstLaunchHelp firstLaunch={firstLaunch} registerHref={registerHref} /> : null}
    </div>
  );
}
