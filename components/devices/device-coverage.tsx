import { AskUploader } from "@/components/install/ask-uploader";
import { CopyButton } from "@/components/ui/copy-button";
import { can } from "@/lib/access/policy";
import type { BuildDto } from "@/lib/builds/data";
import { currentDeviceFor } from "@/lib/devices/current-device";
import { coverageOf, listOwnDevices, provisionedUdids, visibleActiveDevices } from "@/lib/devices/data";
import { deviceDisplayName } from "@/lib/devices/device-names";
import { withReturnTo } from "@/lib/devices/return-to";
import type { UserDto } from "@/lib/users/data";

/**
 * "Will this build install on my iPhone?" for ad hoc and development builds:
 * the verdict for the device this page is open on (or each of the user's
 * registered devices), and for admins the registered devices the profile lacks.
 */
export async function DeviceCoverage({ build, user }: { build: BuildDto; user: UserDto }) {
  const udids = provisionedUdids(build);
  if (!udids) return null;
  const [current, own] = await Promise.all([currentDeviceFor(user), listOwnDevices(user)]);
  const what = current?.model?.startsWith("iPad") ? "iPad" : "iPhone";
  // Who to ask is said once per page: by the install panel when this device is blocked, else here.
  const currentMissing = current !== null && !udids.has(current.udid);
  const mine = own.filter((d) => !d.disabled);
  const adminMissing = can(user, "device.read-all")
    ? (coverageOf(build, await visibleActiveDevices(user))?.missing ?? [])
    : [];
  return (
    <section
      className="rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900"
      data-testid="device-coverage"
    >
      <h2 className="mb-3 font-semibold">Your devices</h2>
      {current ? (
        udids.has(current.udid) ? (
          <p
            className="text-sm text-emerald-800 dark:text-emerald-200"
            data-testid="device-verdict"
            data-verdict="included"
          >
            This {what} is included ({deviceDisplayName(current, current.udid)}).
          </p>
        ) : (
          <div className="text-sm text-red-800 dark:text-red-200" data-testid="device-verdict" data-verdict="missing">
            <p>
              This {what} is not in this build ({deviceDisplayName(current, "unnamed")}).
            </p>
            <p className="mt-1 flex flex-wrap items-center gap-2">
              <code className="break-all text-slate-700 dark:text-slate-200">{current.udid}</code>
              <CopyButton text={current.udid} label="Copy UDID" />
            </p>
          </div>
        )
      ) : null}
      {mine.length > 0 ? (
        <ul className="mt-2 space-y-1 text-sm" data-testid="own-device-verdicts">
          {mine
            .filter((d) => d.id !== current?.id)
            .map((d) => (
              <li key={d.id} data-udid={d.udid} data-verdict={udids.has(d.udid) ? "included" : "missing"}>
                {deviceDisplayName(d)}: {udids.has(d.udid) ? "included" : "not in this build"}{" "}
                <code className="text-xs text-slate-500 dark:text-slate-400">{d.udid}</code>
              </li>
            ))}
          {!currentMissing && mine.some((d) => d.id !== current?.id && !udids.has(d.udid)) ? (
            <li>
              <AskUploader contact={build.uploadedBy} device />
            </li>
          ) : null}
        </ul>
      ) : current ? null : (
        <p className="text-sm text-slate-600 dark:text-slate-300">
          This build installs only on the devices its profile lists.{" "}
          {/* Registration comes back to this build page (lib/devices/return-to.ts). */}
          <a
            href={withReturnTo("/devices", `/apps/${build.appId}/builds/${build.id}`)}
            className="text-sky-700 underline dark:text-sky-300"
            data-testid="coverage-register-link"
          >
            Register your iPhone
          </a>{" "}
          to see whether it is one of them.
        </p>
      )}
      {can(user, "device.read-all") ? (
        <div
          className="mt-4 border-t border-slate-100 pt-3 text-sm dark:border-slate-800"
          data-testid="missing-devices"
        >
          <p className="font-medium">
            {adminMissing.length === 0
              ? "Every active registered device is in this build's profile."
              : `${adminMissing.length} registered device${adminMissing.length === 1 ? " is" : "s are"} missing from this build's profile:`}
          </p>
          {adminMissing.length > 0 ? (
            <>
              <ul className="mt-1 space-y-0.5">
                {adminMissing.map((d) => (
                  <li key={d.udid} data-udid={d.udid}>
                    {deviceDisplayName(d, "Unnamed")} — {d.owner ?? "no owner"}{" "}
                    <code className="text-xs">{d.udid}</code>
                  </li>
                ))}
              </ul>
              <p className="mt-2 flex gap-3">
                <a
                  href={`/api/v1/devices/export?format=apple&buildId=${build.id}`}
                  className="text-sky-700 hover:underline dark:text-sky-300"
                >
                  Export for Apple
                </a>
                <a
                  href={`/api/v1/devices/export?format=csv&buildId=${build.id}`}
                  className="text-sky-700 hover:underline dark:text-sky-300"
                >
                  Export CSV
                </a>
              </p>
            </>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
