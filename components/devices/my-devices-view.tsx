import { CopyButton } from "@/components/ui/copy-button";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/ui";
import type { DeviceDto } from "@/lib/devices/data";
import { deviceDisplayName, deviceModelName, osVersionLabel } from "@/lib/devices/device-names";
import { withReturnTo } from "@/lib/devices/return-to";
import { formatDate } from "@/lib/ui/format";
import { PRIMARY_BUTTON } from "@/lib/ui/styles";

export type MyDevicesViewProps = {
  devices: DeviceDto[];
  /** The device this browser runs on (its cookie), if it is one of them. */
  currentId: string | null;
  /** `?registered=` after a registration: the device's id, or what came back when it is unknown. */
  registered: string | null;
  /** The page the registration started from (an app's page), to lead back to once it is done. */
  returnTo: string | null;
  /** Safari on an iPhone or iPad (or an in-app browser there): the device can register itself. */
  onIos: boolean;
  what: "iPhone" | "iPad";
  /** The registration profile is signed (Verified on iOS). */
  signed: boolean;
  publicUrl: string;
};

/**
 * My devices (/devices): the view of pages/devices/index.tsx, a page served without
 * the React runtime like the install pages (it is opened on iPhones, and the App
 * Router's frame costs more server time than this page's own work).
 */
export function MyDevicesView({
  devices,
  currentId,
  registered,
  returnTo,
  onIos,
  what,
  signed,
  publicUrl,
}: MyDevicesViewProps) {
  const justRegistered = registered ? devices.find((d) => d.id === registered) : undefined;
  return (
    <div className="space-y-6">
      <PageHeader title="Your devices">
        Test builds (ad hoc and development) install only on devices listed in their provisioning profile. Register your
        iPhone or iPad once; Ferry then tells you, on every build, whether it will install on it.
      </PageHeader>
      {registered ? (
        justRegistered ? (
          <Card title="Device registered" testId="device-registered">
            <p className="text-sm text-slate-700 dark:text-slate-200">
              <strong>{deviceDisplayName(justRegistered, "Your device")}</strong>
              {describeModel(justRegistered)} is registered. This browser now knows it runs on this device.
            </p>
            {returnTo ? (
              <a href={returnTo} data-testid="return-to-app" className={`mt-3 ${PRIMARY_BUTTON}`}>
                Back to the app
              </a>
            ) : null}
            <p className="mt-2 flex flex-wrap items-center gap-2 text-sm">
              <span className="text-slate-500 dark:text-slate-400">UDID</span>
              <code className="break-all" data-testid="registered-udid">
                {justRegistered.udid}
              </code>
              <CopyButton text={justRegistered.udid} label="Copy UDID" />
            </p>
          </Card>
        ) : (
          <p
            className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-700 dark:bg-amber-950"
            data-testid="device-registered-unknown"
          >
            The registration finished, but this device is not among yours: sign in with the account that downloaded the
            profile.
          </p>
        )
      ) : null}
      {onIos ? (
        <Card title={`Register this ${what}`} testId="register-this-device">
          <ol className="list-decimal space-y-1 pl-5 text-sm text-slate-700 dark:text-slate-200">
            <li>Tap the button below and allow the download.</li>
            <li>
              Open Settings → “Profile Downloaded” → Install. It installs nothing: it only tells Ferry this device’s
              identifier.
            </li>
            <li>Safari comes back here and shows the device.</li>
          </ol>
          <p className="mt-2 text-sm text-slate-600 dark:text-slate-300" data-testid="profile-signing-note">
            {signed
              ? "iOS shows the profile as Verified (it is signed by this server)."
              : "iOS will show the profile as “Not Verified” (this server does not sign it): that is expected."}
          </p>
          <a
            href={withReturnTo("/devices/enroll", returnTo)}
            data-testid="register-device"
            className={`mt-3 ${PRIMARY_BUTTON}`}
          >
            Register this {what}
          </a>
        </Card>
      ) : (
        <Card title="Register an iPhone or iPad" testId="register-from-phone">
          <p className="text-sm text-slate-700 dark:text-slate-200">
            Registration happens on the device itself: open <code className="break-all">{publicUrl}/devices</code> in
            Safari on your iPhone or iPad, sign in and tap “Register this iPhone”.
          </p>
        </Card>
      )}
      {devices.length === 0 ? (
        <EmptyState>No registered devices yet.</EmptyState>
      ) : (
        <ul
          className="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-700 dark:bg-slate-900"
          data-testid="my-devices"
        >
          {devices.map((d) => (
            <li
              key={d.id}
              className="flex flex-wrap items-center gap-2 p-4 text-sm"
              data-testid="my-device"
              data-udid={d.udid}
            >
              <span className="font-medium">{deviceDisplayName(d)}</span>
              {d.model && d.name ? (
                <span className="text-slate-500 dark:text-slate-400" title={d.model} data-testid="device-model">
                  {deviceModelName(d.model)}
                </span>
              ) : null}
              {d.osVersion ? (
                <span className="text-slate-500 dark:text-slate-400" data-testid="device-os">
                  {osVersionLabel(d.osVersion)}
                </span>
              ) : null}
              {currentId === d.id ? <Badge color="sky">this device</Badge> : null}
              {d.disabled ? <Badge color="red">disabled</Badge> : null}
              <span className="text-slate-500 dark:text-slate-400">registered {formatDate(d.createdAt)}</span>
              <code className="w-full break-all text-xs text-slate-600 dark:text-slate-300">{d.udid}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** " (iPhone 15 Pro, iOS 18.1 (22B83))" after a device's own name: what it is and runs, as people call them. */
function describeModel(device: { name: string | null; model: string | null; osVersion: string | null }): string {
  const parts = [
    device.name && device.model ? deviceModelName(device.model) : null,
    device.osVersion ? osVersionLabel(device.osVersion) : null,
  ].filter((p): p is string => p !== null);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}
