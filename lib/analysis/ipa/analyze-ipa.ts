/**
 * Reads the metadata of an uploaded .ipa (bundle id, versions, icons named in
 * Info.plist, extensions...) by random access, and rejects files that are not
 * installable iOS apps with a specific, actionable AppError.
 */

import { checkBundleId, checkName, checkVersion } from "@/lib/analysis/ipa/info-plist-rules";
import { isPlistDict, type PlistDict, plistString, plistStringList } from "@/lib/analysis/ipa/plist-dict";
import { detectPlistFormat, type PlistFormat, parsePlist } from "@/lib/analysis/ipa/plist-parse";
import { describeName, withZip, type ZipEntryInfo, type ZipReader } from "@/lib/analysis/ipa/zip-reader";
import { AppError } from "@/lib/errors";

export interface IpaExtension {
  /** e.g. "Payload/Demo.app/PlugIns/Notification.appex" */
  path: string;
  bundleId: string | null;
}

export interface IpaInfo {
  /** e.g. "Payload/AppInfoDemo.app" (no trailing slash). */
  appDir: string;
  bundleId: string;
  /** CFBundleShortVersionString, or CFBundleVersion when only that one is present. */
  version: string;
  /** CFBundleVersion, or CFBundleShortVersionString when only that one is present. */
  buildNumber: string;
  /** CFBundleDisplayName, else CFBundleName, else the app folder name without ".app". */
  displayName: string;
  bundleName: string | null;
  minimumOSVersion: string | null;
  executable: string | null;
  /** UIDeviceFamily: 1 iPhone, 2 iPad, 3 TV, 4 Watch, 6 Mac, 7 Vision. */
  deviceFamily: number[];
  supportedPlatforms: string[];
  platformName: string | null;
  sdkName: string | null;
  xcodeVersion: string | null;
  requiredCapabilities: string[];
  infoPlistFormat: PlistFormat;
  /** Icon base names from Info.plist (may lack extension and @2x/~ipad suffixes). */
  iconNames: string[];
  hasAssetsCar: boolean;
  hasEmbeddedProfile: boolean;
  extensions: IpaExtension[];
  /** Embedded frameworks, e.g. ["Alamofire.framework"]. */
  frameworks: string[];
  /** The Watch app folder name under Watch/, if any, e.g. "MyApp WatchKit App.app". */
  watchApp: string | null;
  /** Number of entries in the whole archive. */
  entryCount: number;
  /** Sum of the uncompressed sizes of the entries under appDir. */
  uncompressedSize: number;
}

/** Info.plist files are a few KiB; anything near this is hostile. */
export const MAX_INFO_PLIST_BYTES = 8 * 1024 * 1024;
/** Bounds the work spent on app extensions. */
const MAX_EXTENSIONS = 64;
const MACOSX_DIR = "__MACOSX/";

function deviceFamilies(value: unknown): number[] {
  const items: unknown[] = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const out: number[] = [];
  for (const item of items) {
    // Some build tools write the families as strings ("1").
    const n = typeof item === "number" ? item : typeof item === "string" ? Number(item.trim()) : Number.NaN;
    if (Number.isInteger(n) && !out.includes(n)) out.push(n);
  }
  return out;
}

/** UIRequiredDeviceCapabilities is either an array of names or a dict of name → required. */
function requiredCapabilities(value: unknown): string[] {
  if (Array.isArray(value)) return plistStringList(value);
  if (isPlistDict(value)) return Object.keys(value).filter((key) => value[key] === true);
  return [];
}

function iconNames(info: PlistDict): string[] {
  const names: string[] = [];
  const add = (list: string[]): void => {
    for (const name of list) if (!names.includes(name)) names.push(name);
  };
  for (const key of ["CFBundleIcons", "CFBundleIcons~ipad"]) {
    const icons = info[key];
    if (!isPlistDict(icons)) continue;
    const primary = icons.CFBundlePrimaryIcon;
    if (isPlistDict(primary)) add(plistStringList(primary.CFBundleIconFiles));
    else add(plistStringList(primary));
  }
  add(plistStringList(info.CFBundleIconFiles));
  add(plistStringList(info.CFBundleIconFile));
  return names;
}

function topLevelName(name: string): string {
  const slash = name.indexOf("/");
  return slash === -1 ? name : name.slice(0, slash + 1);
}

/** Lists a few names for a message, e.g. `"a.txt", "b/"` and 3 more. */
function listForMessage(names: string[], max = 5): string {
  const shown = names
    .slice(0, max)
    .map((n) => `"${describeName(n)}"`)
    .join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/** A folder name as it would be typed in a shell command shown to the admin. */
function shellWord(name: string): string {
  const printable = describeName(name);
  return /^[\w.@+-]+$/.test(printable) ? printable : `'${printable.replace(/'/g, "'\\''")}'`;
}

function sortedUnique(values: Iterable<string>): string[] {
  // Code-unit order, not locale order: the same archive must always pick the same app.
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Directories that match `pattern` (anchored, capturing the directory path in group 1),
 * derived from every entry name because zips need not contain directory entries.
 */
function matchingDirs(entries: readonly ZipEntryInfo[], pattern: RegExp): string[] {
  const found = new Set<string>();
  for (const { name } of entries) {
    if (name.startsWith(MACOSX_DIR)) continue;
    const m = pattern.exec(name);
    if (m?.[1]) found.add(m[1]);
  }
  return sortedUnique(found);
}

async function readPlistEntry(
  zip: ZipReader,
  name: string,
): Promise<{ ok: true; dict: PlistDict; format: PlistFormat } | { ok: false; reason: string }> {
  const entry = zip.getEntry(name);
  if (!entry || entry.isDirectory) return { ok: false, reason: "missing" };
  if (entry.isSymlink) return { ok: false, reason: "it is a symbolic link, not a file" };
  // Zip-level problems (bomb, truncation, corruption) propagate as their own AppError.
  const buf = await zip.readEntry(name, MAX_INFO_PLIST_BYTES);
  const format = detectPlistFormat(buf);
  if (!format) return { ok: false, reason: "it is neither a binary nor an XML property list" };
  let value: unknown;
  try {
    value = parsePlist(buf);
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  if (!isPlistDict(value)) return { ok: false, reason: "its top level is not a dictionary" };
  return { ok: true, dict: value, format };
}

/** Explains, as specifically as possible, why there is no Payload/<Name>.app. */
async function rejectMissingApp(zip: ZipReader): Promise<never> {
  const entries = zip.entries;
  const hasPayload = entries.some((e) => e.name.startsWith("Payload/"));
  if (hasPayload) {
    const inside = sortedUnique(
      entries
        .filter((e) => e.name.startsWith("Payload/") && e.name !== "Payload/")
        .map((e) => topLevelName(e.name.slice("Payload/".length))),
    );
    const found = inside.length > 0 ? `It contains only ${listForMessage(inside)}.` : "The folder is empty.";
    throw new AppError(
      "no_app_bundle",
      `The archive has a Payload/ folder but no app bundle inside it (expected Payload/<Name>.app/). ${found} Export the .ipa again from Xcode.`,
    );
  }

  // Finder's "Compress" zips the enclosing folder: <Folder>/Payload/<Name>.app/.
  const nested = matchingDirs(entries, /^([^/]+\/Payload\/[^/]+\.app)\//);
  const firstNested = nested[0];
  if (firstNested) {
    throw new AppError(
      "payload_nested",
      `The archive contains Payload/ one folder down (${describeName(firstNested)}/…) instead of at its top level, as Finder's Compress does. Zip the Payload folder itself: cd ${shellWord(firstNested.split("/")[0] ?? "build")} && zip -r MyApp.ipa Payload`,
    );
  }

  const rootApps = matchingDirs(entries, /^([^/]+\.app)\//);
  const rootApp = rootApps[0];
  if (rootApp) {
    const plist = await readPlistEntry(zip, `${rootApp}/Info.plist`);
    if (plist.ok) {
      const platforms = plistStringList(plist.dict.CFBundleSupportedPlatforms);
      const platformName = plistString(plist.dict, "DTPlatformName");
      if (platforms.includes("iPhoneSimulator") || platformName === "iphonesimulator") {
        throw new AppError(
          "not_an_ios_app",
          `The archive contains ${describeName(rootApp)} at its top level, and it is an iOS Simulator build (CFBundleSupportedPlatforms: iPhoneSimulator). Simulator builds cannot be installed on an iPhone or iPad. Build for a device instead: in Xcode choose Product > Archive, then Distribute App (Ad Hoc, Enterprise or Development) to get an .ipa.`,
        );
      }
    }
    throw new AppError(
      "no_payload",
      `The archive contains ${describeName(rootApp)} at its top level, but an .ipa must have it inside a Payload/ folder. Move it and zip again: mkdir Payload && mv ${shellWord(rootApp)} Payload/ && zip -r MyApp.ipa Payload`,
    );
  }

  const topLevel = sortedUnique(entries.filter((e) => !e.name.startsWith(MACOSX_DIR)).map((e) => topLevelName(e.name)));
  const wrongCase = topLevel.find((n) => n.toLowerCase() === "payload/");
  if (wrongCase) {
    throw new AppError(
      "no_payload",
      `The archive has a "${describeName(wrongCase)}" folder, but iOS requires it to be named exactly "Payload/" (capital P). Rename it and zip again: zip -r MyApp.ipa Payload`,
    );
  }
  const found = topLevel.length > 0 ? `Its top level contains ${listForMessage(topLevel)}.` : "The archive is empty.";
  throw new AppError(
    "no_payload",
    `The archive has no Payload/ folder, so it is not an .ipa (an .ipa contains Payload/<Name>.app/). ${found} Upload the .ipa exported from Xcode.`,
  );
}

/** Reads and validates the metadata of an open archive. Throws AppError on bad input. */
export async function analyzeIpaZip(zip: ZipReader): Promise<IpaInfo> {
  const apps = matchingDirs(zip.entries, /^(Payload\/[^/]+\.app)\//);
  // Exactly one app is expected; if several exist, take the first in sorted order.
  const appDir = apps[0];
  if (!appDir) return rejectMissingApp(zip);
  const appName = appDir.slice("Payload/".length);

  const infoPath = `${appDir}/Info.plist`;
  const plist = await readPlistEntry(zip, infoPath);
  if (!plist.ok) {
    if (plist.reason === "missing") {
      throw new AppError(
        "missing_info_plist",
        `The app bundle ${describeName(appDir)} has no Info.plist, so its bundle identifier and version cannot be read. The bundle is incomplete: export the .ipa again from Xcode.`,
      );
    }
    throw new AppError(
      "unreadable_info_plist",
      `${describeName(infoPath)} cannot be read: ${plist.reason}. Export the .ipa again from Xcode.`,
    );
  }
  const info = plist.dict;

  const bundleId = plistString(info, "CFBundleIdentifier");
  if (!bundleId) {
    throw new AppError(
      "missing_bundle_id",
      `${describeName(infoPath)} has no CFBundleIdentifier, so the app cannot be identified or installed. Set a Bundle Identifier in the Xcode target and export again.`,
    );
  }
  const shortVersion = plistString(info, "CFBundleShortVersionString");
  const bundleVersion = plistString(info, "CFBundleVersion");
  if (!shortVersion && !bundleVersion) {
    throw new AppError(
      "missing_version",
      `${describeName(infoPath)} has neither CFBundleShortVersionString (version) nor CFBundleVersion (build number). Set Version and Build in the Xcode target and export again.`,
    );
  }
  // Refused, not cleaned: a cleaned bundle id or version would be another app or build than the one uploaded.
  const where = describeName(infoPath);
  checkBundleId(bundleId, where);
  if (shortVersion) checkVersion(shortVersion, "CFBundleShortVersionString", where);
  if (bundleVersion) checkVersion(bundleVersion, "CFBundleVersion", where);
  // If only one of the two is present it stands in for both (some old builds set only one).
  const version = shortVersion ?? bundleVersion ?? "";
  const buildNumber = bundleVersion ?? shortVersion ?? "";

  const bundleName = checkName(plistString(info, "CFBundleName"), "CFBundleName", where);
  const displayName =
    checkName(plistString(info, "CFBundleDisplayName"), "CFBundleDisplayName", where) ??
    bundleName ??
    checkName(appName.replace(/\.app$/, ""), "folder name", describeName(appDir)) ??
    "";
  const prefix = `${appDir}/`;
  let uncompressedSize = 0;
  for (const e of zip.entries) if (e.name.startsWith(prefix)) uncompressedSize += e.uncompressedSize;
  const isFile = (name: string): boolean => {
    const e = zip.getEntry(name);
    return e !== undefined && !e.isDirectory;
  };

  const escapedApp = appDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const appexDirs = matchingDirs(zip.entries, new RegExp(`^(${escapedApp}/PlugIns/[^/]+\\.appex)/`));
  const extensions: IpaExtension[] = [];
  for (const path of appexDirs.slice(0, MAX_EXTENSIONS)) {
    const ext = await readPlistEntry(zip, `${path}/Info.plist`);
    // A broken extension plist should not block the app itself; report it without an id.
    extensions.push({ path, bundleId: ext.ok ? plistString(ext.dict, "CFBundleIdentifier") : null });
  }

  const lastSegment = (dir: string): string => dir.slice(dir.lastIndexOf("/") + 1);
  const frameworks = matchingDirs(zip.entries, new RegExp(`^(${escapedApp}/Frameworks/[^/]+\\.framework)/`)).map(
    lastSegment,
  );
  const watchApp =
    matchingDirs(zip.entries, new RegExp(`^(${escapedApp}/Watch/[^/]+\\.app)/`)).map(lastSegment)[0] ?? null;

  return {
    appDir,
    bundleId,
    version,
    buildNumber,
    displayName,
    bundleName,
    minimumOSVersion: plistString(info, "MinimumOSVersion"),
    executable: plistString(info, "CFBundleExecutable"),
    deviceFamily: deviceFamilies(info.UIDeviceFamily),
    supportedPlatforms: plistStringList(info.CFBundleSupportedPlatforms),
    platformName: plistString(info, "DTPlatformName"),
    sdkName: plistString(info, "DTSDKName"),
    xcodeVersion: plistString(info, "DTXcode"),
    requiredCapabilities: requiredCapabilities(info.UIRequiredDeviceCapabilities),
    infoPlistFormat: plist.format,
    iconNames: iconNames(info),
    hasAssetsCar: isFile(`${appDir}/Assets.car`),
    hasEmbeddedProfile: isFile(`${appDir}/embedded.mobileprovision`),
    extensions,
    frameworks,
    watchApp,
    entryCount: zip.entries.length,
    uncompressedSize,
  };
}

/** Reads and validates the metadata of the .ipa at `filePath`. Throws AppError on bad input. */
export async function analyzeIpa(filePath: string): Promise<IpaInfo> {
  return withZip(filePath, analyzeIpaZip, { readable: isAnalysedEntry });
}

/**
 * Reads one entry (e.g. an icon or embedded.mobileprovision) of the archive, or
 * null if it does not exist. Throws archive_too_complex if it is larger than `maxBytes`.
 */
export async function readAppEntry(filePath: string, entryName: string, maxBytes: number): Promise<Buffer | null> {
  return withZip(filePath, (zip) => readZipEntryIfPresent(zip, entryName, maxBytes));
}

/** Like readAppEntry, on an archive that is already open. */
export async function readZipEntryIfPresent(
  zip: ZipReader,
  entryName: string,
  maxBytes: number,
): Promise<Buffer | null> {
  const entry = zip.getEntry(entryName);
  if (!entry || entry.isDirectory || !zip.canRead(entryName)) return null;
  return zip.readEntry(entryName, maxBytes);
}

/**
 * The only entries analysis ever reads (property lists, the provisioning
 * profile, PNG icons): the zip reader keeps what it needs to read an entry only
 * for these, so a many-entry archive costs a small record per entry.
 */
export function isAnalysedEntry(name: string): boolean {
  return /\.(plist|mobileprovision|png)$/i.test(name);
}
