import type { BuildDto } from "@/lib/builds/data";

/**
 * What a person must do on the device, beyond tapping Install, before the app
 * opens, as the build's provisioning profile tells: trust an in-house
 * developer, turn on Developer Mode for a development build, or be on a
 * registered device. Shown next to every Install (components/install).
 */
export type FirstLaunch = {
  /** An in-house (enterprise) build: iOS asks to trust its developer once. */
  enterprise: boolean;
  /** The profile's team name, as Settings › General › VPN & Device Management lists it. */
  developer: string | null;
  /** Signed for development (get-task-allow): iOS 16 and later open it only with Developer Mode on. */
  developerMode: boolean;
  /** Installs only on the devices its profile lists (ad hoc and development builds). */
  registeredDevicesOnly: boolean;
};

export function firstLaunchOf(build: Pick<BuildDto, "analysis">): FirstLaunch {
  const profile = build.analysis?.profile ?? null;
  return {
    enterprise: profile?.type === "enterprise",
    developer: profile?.teamName ?? null,
    developerMode: profile?.type === "development" || profile?.getTaskAllow === true,
    registeredDevicesOnly: profile?.type === "development" || profile?.type === "ad-hoc",
  };
}
