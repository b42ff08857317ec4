import type { ProfileInfo } from "@/lib/analysis/profile/parse-profile";
import { formatDate, plural } from "@/lib/ui/format";

const TYPE_LABEL: Record<ProfileInfo["type"], string> = {
  development: "Development",
  "ad-hoc": "Ad Hoc",
  enterprise: "Enterprise (In-House)",
  "app-store": "App Store",
};

const SIGNATURE_LABEL: Record<ProfileInfo["signature"]["status"], string> = {
  valid: "Signature verified (content unaltered)",
  invalid: "Signature does NOT verify: the profile was altered",
  unsigned: "Not signed (bare plist)",
  unverifiable: "Signature could not be checked",
};

export function ProfileSummary({ profile, showDevices }: { profile: ProfileInfo; showDevices: boolean }) {
  const expiry = profile.expired
    ? `Expired ${formatDate(profile.expirationDate)}`
    : `${formatDate(profile.expirationDate)} (in ${plural(profile.daysUntilExpiry, "day")})`;
  const rows: [string, string][] = [
    ["Name", profile.name ?? "—"],
    ["Type", TYPE_LABEL[profile.type]],
    ["Team", `${profile.teamName ?? "—"}${profile.teamIds.length ? ` (${profile.teamIds.join(", ")})` : ""}`],
    ["App ID", profile.applicationIdentifier ?? "—"],
    ["UUID", profile.uuid ?? "—"],
    ["Platforms", profile.platforms.join(", ") || "—"],
    ["Created", profile.creationDate ? formatDate(profile.creationDate) : "—"],
    ["Expires", expiry],
    [
      "Devices",
      profile.provisionsAllDevices ? "All devices (enterprise)" : plural(profile.deviceCount, "listed device"),
    ],
    ["get-task-allow", profile.getTaskAllow === null ? "—" : String(profile.getTaskAllow)],
    ["Push (aps-environment)", profile.apsEnvironment ?? "—"],
    ["Signature", SIGNATURE_LABEL[profile.signature.status]],
    ["Signed by", profile.signature.signer?.subject ?? "—"],
  ];
  return (
    <div data-testid="profile-summary">
      <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[11rem_1fr]">
        {rows.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="text-slate-500 dark:text-slate-400">{k}</dt>
            <dd className="break-words font-medium" data-field={k}>
              {v}
            </dd>
          </div>
        ))}
      </dl>
      {profile.parseIssues.length > 0 ? (
        <p className="mt-2 text-sm text-amber-800 dark:text-amber-200">
          Read with problems: {profile.parseIssues.join("; ")}
        </p>
      ) : null}
      {showDevices && profile.devices.length > 0 ? (
        <details className="mt-3 text-sm">
          <summary className="cursor-pointer text-slate-600 dark:text-slate-300">
            Show the {profile.deviceCount} device UDIDs
          </summary>
          <ul className="mt-2 max-h-64 overflow-auto rounded border border-slate-200 bg-slate-50 p-2 font-mono text-xs dark:border-slate-700 dark:bg-slate-800">
            {profile.devices.map((udid) => (
              <li key={udid}>{udid}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
