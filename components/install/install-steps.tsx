import type { FirstLaunch } from "@/lib/install-page/first-launch";
import { LINK } from "@/lib/ui/styles";

/**
 * What happens after the tap, so nobody is left wondering: iOS's own dialog,
 * the icon on the Home Screen, and what the build itself asks for on first
 * launch (the enterprise trust step, Developer Mode for development builds).
 * Plain HTML: readable without JavaScript.
 */
export function InstallSteps({
  appName,
  enterprise,
  developer,
  developerMode = false,
  registerHref = null,
  open,
}: {
  appName: string;
  enterprise: boolean;
  /** The profile's team name, as Settings lists it. */
  developer: string | null;
  /** A development build (get-task-allow): iOS 16+ needs Developer Mode. */
  developerMode?: boolean;
  /** For builds that install only on registered devices: where to register this one (and come back). */
  registerHref?: string | null;
  open: boolean;
}) {
  return (
    <details open={open} data-testid="install-steps" className="text-sm text-slate-700 dark:text-slate-200">
      <summary className="cursor-pointer font-medium">After you tap Install</summary>
      <ol className="mt-2 list-decimal space-y-1 pl-5">
        <li className="on-ios:hidden">
          Not on this device? Scan the QR code with your iPhone&apos;s Camera and tap the link it shows.
        </li>
        {registerHref ? <RegisteredDeviceStep registerHref={registerHref} /> : null}
        <li>
          iOS asks whether to install &ldquo;{appName}&rdquo;: tap <strong>Install</strong>.
        </li>
        <li>
          Go to your Home Screen: the icon appears and fills up while the app downloads. No room there? It is in the App
          Library (swipe left past your last Home Screen page).
        </li>
        {enterprise ? <TrustStep developer={developer} /> : null}
        {developerMode ? <DeveloperModeStep /> : null}
      </ol>
    </details>
  );
}

/**
 * The first-launch steps alone, folded, for an Install that has no full
 * "After you tap Install" list beside it (older versions, channel links): so
 * the trust step and Developer Mode sit next to every Install without making
 * the page long. Nothing when the build asks for neither.
 */
export function FirstLaunchHelp({
  firstLaunch,
  registerHref = null,
}: {
  firstLaunch: FirstLaunch;
  registerHref?: string | null;
}) {
  const { enterprise, developer, developerMode, registeredDevicesOnly } = firstLaunch;
  const register = registeredDevicesOnly ? registerHref : null;
  if (!enterprise && !developerMode && !register) return null;
  const needs = [
    register ? "a registered device" : null,
    enterprise ? "trust the developer" : null,
    developerMode ? "Developer Mode" : null,
  ].filter((n): n is string => n !== null);
  return (
    <details data-testid="first-launch-help" className="text-sm text-slate-700 dark:text-slate-200">
      <summary className="cursor-pointer">First time? {capitalize(needs.join(", "))}</summary>
      <ol className="mt-1 list-decimal space-y-1 pl-5">
        {register ? <RegisteredDeviceStep registerHref={register} /> : null}
        {enterprise ? <TrustStep developer={developer} /> : null}
        {developerMode ? <DeveloperModeStep /> : null}
      </ol>
    </details>
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function TrustStep({ developer }: { developer: string | null }) {
  return (
    <li data-testid="trust-steps">
      First time only: if iOS says &ldquo;Untrusted Enterprise Developer&rdquo;, open{" "}
      <strong>Settings › General › VPN &amp; Device Management</strong>, tap{" "}
      <strong>{developer ?? "your company's developer profile"}</strong>, then <strong>Trust</strong>. Then open the
      app.
    </li>
  );
}

function DeveloperModeStep() {
  return (
    <li data-testid="developer-mode-steps">
      This is a development build: on iOS 16 or later it opens only with <strong>Developer Mode</strong> on. After it
      installs, open <strong>Settings › Privacy &amp; Security › Developer Mode</strong>, switch it on and tap{" "}
      <strong>Restart</strong>. After the restart, tap <strong>Turn On</strong> and enter your passcode. (The switch
      appears once a development build is on the device.)
    </li>
  );
}

function RegisteredDeviceStep({ registerHref }: { registerHref: string }) {
  return (
    <li data-testid="registered-device-step">
      It installs only on devices registered for this build.{" "}
      <a href={registerHref} className={`${LINK} underline`} data-testid="register-device-link">
        Register this device
      </a>{" "}
      if you have not yet, and ask the uploader to add it.
    </li>
  );
}
