import { createHash } from "node:crypto";

/** Initials on a colour derived from the bundle id (real icons come with the icon pipeline). */
export function AppIcon({ name, bundleId, size = 44 }: { name: string; bundleId: string; size?: number }) {
  const hue = createHash("sha256").update(bundleId).digest()[0]! * (360 / 256);
  const initials =
    name
      .split(/[\s_-]+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => w[0]?.toUpperCase() ?? "")
      .join("") || "?";
  return (
    <span
      aria-hidden
      className="inline-flex shrink-0 items-center justify-center rounded-[22%] font-semibold text-white"
      style={{ width: size, height: size, background: `hsl(${hue} 55% 45%)`, fontSize: size * 0.4 }}
    >
      {initials}
    </span>
  );
}
