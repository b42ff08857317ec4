/**
 * What people call their device and its iOS: enrollment reports the hardware
 * identifier (PRODUCT, "iPhone16,1") and the OS build (VERSION, "22B83"),
 * which nobody recognises. Pure tables, shared by server and client code.
 */

/** Hardware identifier → marketing name: iPhone 8 onwards and the iPads of the same years. Unknown ones show as they are. */
const MODEL_NAMES: Record<string, string> = {
  // iPhone
  "iPhone10,1": "iPhone 8",
  "iPhone10,4": "iPhone 8",
  "iPhone10,2": "iPhone 8 Plus",
  "iPhone10,5": "iPhone 8 Plus",
  "iPhone10,3": "iPhone X",
  "iPhone10,6": "iPhone X",
  "iPhone11,2": "iPhone XS",
  "iPhone11,4": "iPhone XS Max",
  "iPhone11,6": "iPhone XS Max",
  "iPhone11,8": "iPhone XR",
  "iPhone12,1": "iPhone 11",
  "iPhone12,3": "iPhone 11 Pro",
  "iPhone12,5": "iPhone 11 Pro Max",
  "iPhone12,8": "iPhone SE (2nd generation)",
  "iPhone13,1": "iPhone 12 mini",
  "iPhone13,2": "iPhone 12",
  "iPhone13,3": "iPhone 12 Pro",
  "iPhone13,4": "iPhone 12 Pro Max",
  "iPhone14,4": "iPhone 13 mini",
  "iPhone14,5": "iPhone 13",
  "iPhone14,2": "iPhone 13 Pro",
  "iPhone14,3": "iPhone 13 Pro Max",
  "iPhone14,6": "iPhone SE (3rd generation)",
  "iPhone14,7": "iPhone 14",
  "iPhone14,8": "iPhone 14 Plus",
  "iPhone15,2": "iPhone 14 Pro",
  "iPhone15,3": "iPhone 14 Pro Max",
  "iPhone15,4": "iPhone 15",
  "iPhone15,5": "iPhone 15 Plus",
  "iPhone16,1": "iPhone 15 Pro",
  "iPhone16,2": "iPhone 15 Pro Max",
  "iPhone17,3": "iPhone 16",
  "iPhone17,4": "iPhone 16 Plus",
  "iPhone17,1": "iPhone 16 Pro",
  "iPhone17,2": "iPhone 16 Pro Max",
  "iPhone17,5": "iPhone 16e",
  "iPhone18,3": "iPhone 17",
  "iPhone18,4": "iPhone Air",
  "iPhone18,1": "iPhone 17 Pro",
  "iPhone18,2": "iPhone 17 Pro Max",
  "iPod9,1": "iPod touch (7th generation)",
  // iPad
  "iPad7,5": "iPad (6th generation)",
  "iPad7,6": "iPad (6th generation)",
  "iPad7,11": "iPad (7th generation)",
  "iPad7,12": "iPad (7th generation)",
  "iPad11,6": "iPad (8th generation)",
  "iPad11,7": "iPad (8th generation)",
  "iPad12,1": "iPad (9th generation)",
  "iPad12,2": "iPad (9th generation)",
  "iPad13,18": "iPad (10th generation)",
  "iPad13,19": "iPad (10th generation)",
  "iPad15,7": "iPad (A16)",
  "iPad15,8": "iPad (A16)",
  "iPad11,1": "iPad mini (5th generation)",
  "iPad11,2": "iPad mini (5th generation)",
  "iPad14,1": "iPad mini (6th generation)",
  "iPad14,2": "iPad mini (6th generation)",
  "iPad16,1": "iPad mini (A17 Pro)",
  "iPad16,2": "iPad mini (A17 Pro)",
  "iPad11,3": "iPad Air (3rd generation)",
  "iPad11,4": "iPad Air (3rd generation)",
  "iPad13,1": "iPad Air (4th generation)",
  "iPad13,2": "iPad Air (4th generation)",
  "iPad13,16": "iPad Air (5th generation)",
  "iPad13,17": "iPad Air (5th generation)",
  "iPad14,8": "iPad Air 11-inch (M2)",
  "iPad14,9": "iPad Air 11-inch (M2)",
  "iPad14,10": "iPad Air 13-inch (M2)",
  "iPad14,11": "iPad Air 13-inch (M2)",
  "iPad15,3": "iPad Air 11-inch (M3)",
  "iPad15,4": "iPad Air 11-inch (M3)",
  "iPad15,5": "iPad Air 13-inch (M3)",
  "iPad15,6": "iPad Air 13-inch (M3)",
  "iPad8,1": "iPad Pro 11-inch (1st generation)",
  "iPad8,2": "iPad Pro 11-inch (1st generation)",
  "iPad8,3": "iPad Pro 11-inch (1st generation)",
  "iPad8,4": "iPad Pro 11-inch (1st generation)",
  "iPad8,5": "iPad Pro 12.9-inch (3rd generation)",
  "iPad8,6": "iPad Pro 12.9-inch (3rd generation)",
  "iPad8,7": "iPad Pro 12.9-inch (3rd generation)",
  "iPad8,8": "iPad Pro 12.9-inch (3rd generation)",
  "iPad8,9": "iPad Pro 11-inch (2nd generation)",
  "iPad8,10": "iPad Pro 11-inch (2nd generation)",
  "iPad8,11": "iPad Pro 12.9-inch (4th generation)",
  "iPad8,12": "iPad Pro 12.9-inch (4th generation)",
  "iPad13,4": "iPad Pro 11-inch (3rd generation)",
  "iPad13,5": "iPad Pro 11-inch (3rd generation)",
  "iPad13,6": "iPad Pro 11-inch (3rd generation)",
  "iPad13,7": "iPad Pro 11-inch (3rd generation)",
  "iPad13,8": "iPad Pro 12.9-inch (5th generation)",
  "iPad13,9": "iPad Pro 12.9-inch (5th generation)",
  "iPad13,10": "iPad Pro 12.9-inch (5th generation)",
  "iPad13,11": "iPad Pro 12.9-inch (5th generation)",
  "iPad14,3": "iPad Pro 11-inch (4th generation)",
  "iPad14,4": "iPad Pro 11-inch (4th generation)",
  "iPad14,5": "iPad Pro 12.9-inch (6th generation)",
  "iPad14,6": "iPad Pro 12.9-inch (6th generation)",
  "iPad16,3": "iPad Pro 11-inch (M4)",
  "iPad16,4": "iPad Pro 11-inch (M4)",
  "iPad16,5": "iPad Pro 13-inch (M4)",
  "iPad16,6": "iPad Pro 13-inch (M4)",
  "iPad17,1": "iPad Pro 11-inch (M5)",
  "iPad17,2": "iPad Pro 11-inch (M5)",
  "iPad17,3": "iPad Pro 13-inch (M5)",
  "iPad17,4": "iPad Pro 13-inch (M5)",
};

/** "iPhone16,1" → "iPhone 15 Pro"; an identifier the table does not know comes back unchanged. */
export function deviceModelName(identifier: string): string {
  return Object.hasOwn(MODEL_NAMES, identifier) ? (MODEL_NAMES[identifier] ?? identifier) : identifier;
}

/** An OS build as iOS names it: two digits (Darwin's major version), a letter (the minor release), a number. */
const OS_BUILD = /^(\d{2})([A-Z])(\d{1,4})[a-z]?$/;

/**
 * The iOS version an OS build belongs to, as far as the build tells: "22B83" → "18.1".
 * Darwin 13–22 were iOS 9–18 (major − 4); from Darwin 23 iOS is numbered by year (26, 27…).
 * The letter counts minor releases from A (x.0); patch releases (18.1.1) share their minor's
 * letter, so only major.minor is told. Null when `build` is not an OS build.
 */
export function iosVersionOfBuild(build: string): string | null {
  const match = OS_BUILD.exec(build);
  if (!match?.[1] || !match[2]) return null;
  const darwin = Number.parseInt(match[1], 10);
  if (darwin < 13) return null;
  const major = darwin <= 22 ? darwin - 4 : darwin + 3;
  const minor = match[2].charCodeAt(0) - "A".charCodeAt(0);
  return `${major}.${minor}`;
}

/**
 * What to show for a device's stored VERSION: a dotted version as "iOS 17.4"; an OS
 * build as "iOS 18.1 (22B83)" (both, since the build tells the minor release only);
 * anything else as it came.
 */
export function osVersionLabel(version: string): string {
  if (/^\d+(\.\d+){0,2}$/.test(version)) return `iOS ${version}`;
  const fromBuild = iosVersionOfBuild(version);
  return fromBuild ? `iOS ${fromBuild} (${version})` : version;
}

/** How a device is named on a page: its own name, else its model's name, else `fallback`. */
export function deviceDisplayName(
  device: { name: string | null; model: string | null },
  fallback = "Unnamed device",
): string {
  return device.name ?? (device.model ? deviceModelName(device.model) : fallback);
}
