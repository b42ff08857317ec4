/**
 * What happens after the tap, so nobody is left wondering: iOS's own dialog,
 * the icon on the Home Screen, and for in-house (enterprise) builds the trust
 * step every first-time user meets. Plain HTML: readable without JavaScript.
 */
export function InstallSteps({
  appName,
  enterprise,
  developer,
  open,
}: {
  appName: string;
  enterprise: boolean;
  /** The profile's team name, as Settings lists it. */
  developer: string | null;
  open: boolean;
}) {
  return (
    <details open={open} data-testid="install-steps" className="text-sm text-slate-700 dark:text-slate-200">
      <summary className="cursor-pointer font-medium">After you tap Install</summary>
      <ol className="mt-2 list-decimal space-y-1 pl-5">
        <li className="on-ios:hidden">
          Not on this device? Scan the QR code with your iPhone&apos;s Camera and tap the link it shows.
        </li>
        <li>
          iOS asks whether to install &ldquo;{appName}&rdquo;: tap <strong>Install</strong>.
        </li>
        <li>Go to your Home Screen: the icon appears and fills up while the app downloads.</li>
        {enterprise ? (
          <li data-testid="trust-steps">
            First time only: if iOS says &ldquo;Untrusted Enterprise Developer&rdquo;, open{" "}
            <strong>Settings › General › VPN &amp; Device Management</strong>, tap{" "}
            <strong>{developer ?? "your company's developer profile"}</strong>, then <strong>Trust</strong>. Then open
            the app.
          </li>
        ) : null}
      </ol>
    </details>
  );
}
