import type { AscDevice } from "@/lib/app-store-connect/client";
import { DEVICE_LIMIT_PER_KIND } from "@/lib/app-store-connect/schema";
import { prisma } from "@/lib/db/client";

/**
 * How many devices the App Store Connect account has per kind, as last seen.
 *
 * Apple's `devices` resource covers "iOS, Apple TV, Apple Watch, and Mac
 * devices", of which an account "can register a limited number of new
 * devices", removable "only through the Apple Developer website"
 * (developer.apple.com/documentation/appstoreconnectapi/devices); the limit
 * is per device class, which the API reports as `deviceClass` (IPHONE, IPAD,
 * IPOD, APPLE_WATCH, APPLE_TV, MAC; fastlane's Spaceship::ConnectAPI::Device
 * ::DeviceClass also meets APPLE_VISION_PRO, APPLE_SILICON_MAC and INTEL_MAC).
 * A disabled device keeps its place until the list is reset when the
 * membership year renews, so every listed device counts, whatever its status;
 * the Mac classes are one kind.
 */

export type DeviceKind = "IPHONE" | "IPAD" | "IPOD" | "APPLE_WATCH" | "APPLE_TV" | "APPLE_VISION_PRO" | "MAC";

/** The words for a kind, as a sentence names it ("97 of 100 iPhone devices"). */
export const DEVICE_KIND_WORDS: Record<DeviceKind, string> = {
  IPHONE: "iPhone",
  IPAD: "iPad",
  IPOD: "iPod touch",
  APPLE_WATCH: "Apple Watch",
  APPLE_TV: "Apple TV",
  APPLE_VISION_PRO: "Apple Vision Pro",
  MAC: "Mac",
};

/** Ferry shows the count once this few places (or fewer) are left. */
export const DEVICE_LIMIT_NEAR = 10;

/** Apple's `deviceClass` as a kind; null for one Apple has not documented. */
export function kindOfDeviceClass(deviceClass: string): DeviceKind | null {
  if (deviceClass === "MAC" || deviceClass === "APPLE_SILICON_MAC" || deviceClass === "INTEL_MAC") return "MAC";
  return deviceClass in DEVICE_KIND_WORDS ? (deviceClass as DeviceKind) : null;
}

/** The kind of an enrolled device from its PRODUCT ("iPhone15,2", "iPad13,1", "Watch6,1"); null when unknown. */
export function kindOfModel(model: string | null): DeviceKind | null {
  if (!model) return null;
  const prefixes: [string, DeviceKind][] = [
    ["iPhone", "IPHONE"],
    ["iPad", "IPAD"],
    ["iPod", "IPOD"],
    ["Watch", "APPLE_WATCH"],
    ["AppleTV", "APPLE_TV"],
    ["RealityDevice", "APPLE_VISION_PRO"],
    ["Mac", "MAC"],
  ];
  return prefixes.find(([p]) => model.startsWith(p))?.[1] ?? null;
}

/** Counts a full listing per kind. */
export function countByKind(devices: Pick<AscDevice, "deviceClass">[]): Map<DeviceKind, number> {
  const out = new Map<DeviceKind, number>();
  for (const d of devices) {
    const kind = kindOfDeviceClass(d.deviceClass);
    if (kind) out.set(kind, (out.get(kind) ?? 0) + 1);
  }
  return out;
}

/**
 * Stores what a full listing of the account's devices says: the count per
 * kind (a kind the listing lacks has none), and every UDID Apple knows, so a
 * later request knows which devices need no new place.
 */
export async function recordDeviceListing(devices: AscDevice[], at = new Date()): Promise<void> {
  const counts = countByKind(devices);
  await prisma().$transaction(async (tx) => {
    for (const kind of Object.keys(DEVICE_KIND_WORDS) as DeviceKind[]) {
      const used = counts.get(kind) ?? 0;
      await tx.ascDeviceCount.upsert({
        where: { kind },
        create: { kind, used, countedAt: at },
        update: { used, countedAt: at },
      });
    }
    const known = devices.filter((d) => d.udid && d.id);
    if (known.length > 0) {
      await tx.ascDevice.createMany({
        data: known.map((d) => ({ udid: d.udid, ascId: d.id, registeredByFerry: false })),
        skipDuplicates: true,
      });
    }
  });
}

/** Adds devices Ferry has just registered to the last-known counts. */
export async function countRegistered(kinds: (DeviceKind | null)[]): Promise<void> {
  for (const kind of kinds) {
    if (!kind) continue;
    await prisma().ascDeviceCount.upsert({
      where: { kind },
      create: { kind, used: 1 },
      update: { used: { increment: 1 } },
    });
  }
}

export type DeviceLimitState = {
  kind: DeviceKind;
  used: number;
  limit: number;
  countedAt: string;
  /** No place left: Ferry adds no device of this kind that Apple does not know yet. */
  reached: boolean;
};

/** The last-known count of each kind, against Apple's limit. */
async function deviceLimits(): Promise<Map<DeviceKind, DeviceLimitState>> {
  const rows = await prisma().ascDeviceCount.findMany();
  return new Map(
    rows.flatMap((r) => {
      const kind = kindOfDeviceClass(r.kind);
      if (!kind) return [];
      return [
        [
          kind,
          {
            kind,
            used: r.used,
            limit: DEVICE_LIMIT_PER_KIND,
            countedAt: r.countedAt.toISOString(),
            reached: r.used >= DEVICE_LIMIT_PER_KIND,
          },
        ],
      ];
    }),
  );
}

/** Which of `devices` cannot be added: Apple does not know them yet and their kind has no place left. */
export async function devicesOverLimit<T extends { udid: string; model: string | null }>(
  devices: T[],
): Promise<{ blocked: T[]; limits: Map<DeviceKind, DeviceLimitState> }> {
  const limits = await deviceLimits();
  const full = devices.filter((d) => {
    const kind = kindOfModel(d.model);
    return kind ? limits.get(kind)?.reached === true : false;
  });
  if (full.length === 0) return { blocked: [], limits };
  const known = new Set(
    (
      await prisma().ascDevice.findMany({ where: { udid: { in: full.map((d) => d.udid) } }, select: { udid: true } })
    ).map((r) => r.udid),
  );
  return { blocked: full.filter((d) => !known.has(d.udid)), limits };
}

/** "97 of 100 iPhone devices are registered this membership year." */
export function deviceCountWords(state: DeviceLimitState): string {
  return `${state.used} of ${state.limit} ${DEVICE_KIND_WORDS[state.kind]} devices are registered in Apple's account this membership year.`;
}

/** Why a device of a full kind is not added, in plain words; the same on the page and in the API's refusal. */
export function deviceLimitReachedWords(state: DeviceLimitState): string {
  const kind = DEVICE_KIND_WORDS[state.kind];
  return `Apple's yearly device limit is reached: ${state.used} of ${state.limit} ${kind} devices are registered in Apple's account this membership year, so Ferry cannot add another ${kind}. An admin can free places in Apple's developer portal when the membership year renews, then run "Test connection" under Admin → Signing so Ferry sees the new count.`;
}
