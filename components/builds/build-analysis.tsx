import type { StoredAnalysis } from "@/lib/builds/data";
import { formatBytes } from "@/lib/ui/format";

const FAMILY: Record<number, string> = {
  1: "iPhone",
  2: "iPad",
  3: "Apple TV",
  4: "Apple Watch",
  6: "Mac (Catalyst)",
  7: "Vision",
};

export function BuildAnalysisDetails({ analysis, sizeBytes }: { analysis: StoredAnalysis; sizeBytes: number }) {
  const ipa = analysis.ipa;
  const rows: [string, string][] = [
    ["Display name", ipa.displayName],
    ["Executable", ipa.executable ?? "—"],
    ["Minimum iOS", ipa.minimumOSVersion ?? "—"],
    ["Devices", ipa.deviceFamily.map((f) => FAMILY[f] ?? `family ${f}`).join(", ") || "—"],
    ["Platforms", ipa.supportedPlatforms.join(", ") || "—"],
    ["SDK", ipa.sdkName ?? "—"],
    ["Xcode", ipa.xcodeVersion ?? "—"],
    ["Required capabilities", ipa.requiredCapabilities.join(", ") || "—"],
    ["App extensions", ipa.extensions.map((e) => e.bundleId ?? e.path.split("/").pop() ?? "").join(", ") || "none"],
    ["Frameworks", ipa.frameworks?.join(", ") || "none"],
    ["Watch app", ipa.watchApp ?? "none"],
    ["Size", `${formatBytes(sizeBytes)} (.ipa), ${formatBytes(ipa.uncompressedSize)} installed`],
    ["Info.plist", ipa.infoPlistFormat === "binary" ? "binary plist" : "XML plist"],
    [
      "Icon",
      analysis.icon.source === "bundle"
        ? (analysis.icon.entryName?.split("/").pop() ?? "bundle")
        : "generated placeholder",
    ],
  ];
  return (
    <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[11rem_1fr]" data-testid="build-analysis">
      {rows.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-slate-500 dark:text-slate-400">{k}</dt>
          <dd className="break-words font-medium">{v}</dd>
        </div>
      ))}
    </dl>
  );
}
