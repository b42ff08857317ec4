/**
 * Reads an Apple provisioning profile (.mobileprovision / .provisionprofile):
 * the CMS envelope Xcode embeds, or a bare XML/binary plist. Returns the
 * fields Ferry shows and reasons about, plus the result of checking the
 * envelope's signature.
 */
import { isPlistDict, type PlistDict, plistDate, plistString, plistStringList } from "@/lib/analysis/ipa/plist-dict";
import { detectPlistFormat, parsePlist } from "@/lib/analysis/ipa/plist-parse";
import {
  CmsFormatError,
  looksLikeCms,
  parseSignedData,
  type SignatureCheck,
  verifySignedData,
} from "@/lib/analysis/profile/cms";
import { AppError } from "@/lib/errors";
import { MAX_PROFILE_BYTES } from "@/lib/http/body-limits";

export type { SignatureCheck } from "@/lib/analysis/profile/cms";

const MAX_JSON_DEPTH = 64;
const DAY_MS = 24 * 60 * 60 * 1000;

export type ProfileType = "development" | "ad-hoc" | "enterprise" | "app-store";
export type ProfileEnvelope = "cms" | "plist-xml" | "plist-binary";
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ProfileInfo {
  name: string | null;
  uuid: string | null;
  teamName: string | null;
  teamIds: string[];
  appIdName: string | null;
  /** Entitlements application-identifier (iOS) or com.apple.application-identifier (macOS), e.g. "ABCDE12345.com.foo.*". */
  applicationIdentifier: string | null;
  /** applicationIdentifier without the team prefix, e.g. "com.foo.*" or "*". */
  bundleIdPattern: string | null;
  /** ISO 8601. */
  creationDate: string | null;
  /** ISO 8601. */
  expirationDate: string;
  platforms: string[];
  type: ProfileType;
  /** null when the entitlement is absent (e.g. macOS App Store profiles). */
  getTaskAllow: boolean | null;
  apsEnvironment: string | null;
  provisionsAllDevices: boolean;
  /** Device UDIDs from ProvisionedDevices (empty when the key is absent). */
  devices: string[];
  deviceCount: number;
  /** All entitlements, with data as base64 and dates as ISO strings. */
  entitlements: Record<string, JsonValue>;
  envelope: ProfileEnvelope;
  signature: SignatureCheck;
  expired: boolean;
  /** Whole days from `now` to expiry, rounded down: negative once expired. */
  daysUntilExpiry: number;
  /** Problems tolerated while reading (e.g. a <data> value that is not base64), in plain English. */
  parseIssues: string[];
}

/** Converts plist values to JSON-safe ones: Buffers → base64, Dates → ISO. */
export function toJsonValue(value: unknown, depth = 0): JsonValue {
  if (depth > MAX_JSON_DEPTH) throw new AppError("malformed_profile", "The profile's entitlements nest too deeply.");
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    return items.map((item) => toJsonValue(item, depth + 1));
  }
  if (isPlistDict(value)) {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) out[key] = toJsonValue(item, depth + 1);
    return out;
  }
  return null;
}

function isValidBase64(text: string): boolean {
  try {
    atob(text.replace(/\s+/g, ""));
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses the profile plist. The `plist` package throws on a <data> value that
 * is not base64 (some hand-made profiles carry placeholder certificates), so on
 * failure those values are blanked and parsing is retried: the fields we need
 * never live in <data>.
 */
function parseProfilePlist(buf: Buffer, issues: string[]): PlistDict {
  let value: unknown;
  try {
    value = parsePlist(buf);
  } catch (first) {
    if (detectPlistFormat(buf) !== "xml") {
      throw new AppError(
        "malformed_profile",
        "The provisioning profile's property list is damaged and cannot be read.",
        {
          cause: first,
        },
      );
    }
    let blanked = 0;
    const text = buf.toString("utf8").replace(/<data>([\s\S]*?)<\/data>/g, (whole, body: string) => {
      if (isValidBase64(body)) return whole;
      blanked++;
      return "<data></data>";
    });
    if (blanked === 0) {
      throw new AppError(
        "malformed_profile",
        "The provisioning profile's property list is damaged and cannot be read.",
        {
          cause: first,
        },
      );
    }
    try {
      value = parsePlist(Buffer.from(text, "utf8"));
    } catch (second) {
      throw new AppError(
        "malformed_profile",
        "The provisioning profile's property list is damaged and cannot be read.",
        {
          cause: second,
        },
      );
    }
    issues.push(
      `${blanked} data value${blanked === 1 ? " was" : "s were"} not valid base64 and ${blanked === 1 ? "was" : "were"} ignored (e.g. a placeholder certificate).`,
    );
  }
  if (!isPlistDict(value))
    throw new AppError("not_a_profile", "The file is a property list but not a provisioning profile.");
  return value;
}

/** Derivation used throughout Ferry (and by the fixtures' expected.json). */
export function deriveProfileType(input: {
  provisionsAllDevices: boolean;
  hasDeviceList: boolean;
  getTaskAllow: boolean | null;
}): ProfileType {
  if (input.provisionsAllDevices) return "enterprise";
  if (input.hasDeviceList) return input.getTaskAllow === true ? "development" : "ad-hoc";
  return "app-store";
}

const PROFILE_KEYS = [
  "UUID",
  "ExpirationDate",
  "Entitlements",
  "TeamIdentifier",
  "ProvisionedDevices",
  "ProvisionsAllDevices",
];

/**
 * Parses a provisioning profile. `now` only drives `expired` / `daysUntilExpiry`.
 * Throws AppError: not_a_profile for other files, malformed_profile for damaged ones.
 */
export function parseProvisioningProfile(data: Buffer, now: Date = new Date()): ProfileInfo {
  if (data.length === 0) throw new AppError("not_a_profile", "The file is empty, so it is not a provisioning profile.");
  if (data.length > MAX_PROFILE_BYTES) {
    throw new AppError(
      "malformed_profile",
      `The file is ${data.length} bytes; provisioning profiles are far smaller (at most ${MAX_PROFILE_BYTES} bytes accepted).`,
    );
  }

  const issues: string[] = [];
  let envelope: ProfileEnvelope;
  let plistBytes: Buffer;
  let signature: SignatureCheck;
  const bareFormat = detectPlistFormat(data);
  if (bareFormat) {
    envelope = bareFormat === "binary" ? "plist-binary" : "plist-xml";
    plistBytes = data;
    signature = {
      status: "unsigned",
      signer: null,
      chainChecked: false,
      detail: "The profile is a bare property list with no signature.",
    };
  } else if (looksLikeCms(data)) {
    let sd: ReturnType<typeof parseSignedData>;
    try {
      sd = parseSignedData(data);
    } catch (err) {
      if (err instanceof CmsFormatError && err.message === "not a CMS SignedData envelope") {
        throw new AppError("not_a_profile", "The file is a signed container but not a provisioning profile.", {
          cause: err,
        });
      }
      throw new AppError(
        "malformed_profile",
        `The provisioning profile's signed envelope is damaged (${err instanceof Error ? err.message : String(err)}).`,
        { cause: err },
      );
    }
    envelope = "cms";
    plistBytes = sd.content;
    if (!detectPlistFormat(plistBytes)) {
      throw new AppError("not_a_profile", "The file is signed data, but its content is not a provisioning profile.");
    }
    signature = verifySignedData(sd);
  } else {
    throw new AppError(
      "not_a_profile",
      "The file is not a provisioning profile (neither a signed profile nor a property list).",
    );
  }

  const dict = parseProfilePlist(plistBytes, issues);
  if (!PROFILE_KEYS.some((key) => key in dict)) {
    throw new AppError("not_a_profile", "The property list has none of the keys of a provisioning profile.");
  }
  const expiration = plistDate(dict, "ExpirationDate");
  if (!expiration) {
    throw new AppError("malformed_profile", "The provisioning profile has no valid ExpirationDate.");
  }

  const rawEntitlements = dict.Entitlements;
  const entitlementsJson = isPlistDict(rawEntitlements) ? toJsonValue(rawEntitlements) : {};
  const entitlements: Record<string, JsonValue> = isJsonObject(entitlementsJson) ? entitlementsJson : {};
  const ent: PlistDict = isPlistDict(rawEntitlements) ? rawEntitlements : {};

  const applicationIdentifier =
    plistString(ent, "application-identifier") ?? plistString(ent, "com.apple.application-identifier");
  const dot = applicationIdentifier?.indexOf(".") ?? -1;
  // The prefix is the team (or legacy app id prefix) up to the first dot: "TEAMID.com.foo.*".
  const bundleIdPattern = applicationIdentifier && dot > 0 ? applicationIdentifier.slice(dot + 1) || null : null;
  const gta = ent["get-task-allow"] ?? ent["com.apple.security.get-task-allow"];
  const getTaskAllow = typeof gta === "boolean" ? gta : null;
  const provisionsAllDevices = dict.ProvisionsAllDevices === true;
  const hasDeviceList = Array.isArray(dict.ProvisionedDevices);
  const devices = plistStringList(dict.ProvisionedDevices);
  const msLeft = expiration.getTime() - now.getTime();

  return {
    name: plistString(dict, "Name"),
    uuid: plistString(dict, "UUID"),
    teamName: plistString(dict, "TeamName"),
    teamIds: plistStringList(dict.TeamIdentifier),
    appIdName: plistString(dict, "AppIDName"),
    applicationIdentifier,
    bundleIdPattern,
    creationDate: plistDate(dict, "CreationDate")?.toISOString() ?? null,
    expirationDate: expiration.toISOString(),
    platforms: plistStringList(dict.Platform),
    type: deriveProfileType({ provisionsAllDevices, hasDeviceList, getTaskAllow }),
    getTaskAllow,
    apsEnvironment: plistString(ent, "aps-environment") ?? plistString(ent, "com.apple.developer.aps-environment"),
    provisionsAllDevices,
    devices,
    deviceCount: devices.length,
    entitlements,
    envelope,
    signature,
    expired: msLeft <= 0,
    daysUntilExpiry: Math.floor(msLeft / DAY_MS),
    parseIssues: issues,
  };
}

function isJsonObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
