import { isPlistDict, type PlistDict, plistString } from "@/lib/analysis/ipa/plist-dict";
import { parsePlist } from "@/lib/analysis/ipa/plist-parse";
import { withZip } from "@/lib/analysis/ipa/zip-reader";
import type { JsonValue } from "@/lib/analysis/profile/parse-profile";
import { AppError } from "@/lib/errors";
import { assertProfileFits, type IdentityForFit, type ProfileForFit } from "@/lib/signing/resign/fit";
import { type PlistValue, writeXmlPlist } from "@/lib/signing/xml-plist-writer";
import { zipEntrySource } from "@/lib/verify/byte-source";
import { readMachoSlices, readSignatureBytes } from "@/lib/verify/macho";
import { parseEmbeddedSignature } from "@/lib/verify/signature-blobs";

/**
 * Planning a re-sign before anything is written: which bundles get which
 * profile, whether each profile fits the identity and the bundle, and the
 * entitlements each bundle will carry (the app's own, rewritten for the new
 * team and profile). Every refusal is an AppError naming the bundle and what
 * is missing, so the job fails with a sentence an admin can act on.
 */

/** A bundle that carries a profile and entitlements: the app, its extensions, a Watch app. */
export type ProvisionedBundle = {
  /** Folder relative to the .app ("" for the app itself, "PlugIns/Share.appex/"). */
  dir: string;
  bundleId: string;
  /** The entitlements its executable is signed with now (null: none). */
  entitlements: PlistDict | null;
};

export type EntitlementChange = {
  key: string;
  kind: "added" | "removed" | "changed";
  from: JsonValue | null;
  to: JsonValue | null;
};

export type BundlePlan = {
  dir: string;
  bundleId: string;
  profileId: string;
  /** The XML plist the bundle's executable will be signed with. */
  entitlementsXml: Buffer;
  changes: EntitlementChange[];
};

const MAX_PLIST_BYTES = 4 * 1024 * 1024;
/** Bundles that hold a provisioning profile of their own (frameworks do not). */
const PROVISIONED = /\.(app|appex)$/;

function parseEntitlementsBlob(blob: Buffer | null): PlistDict | null {
  if (!blob || blob.length <= 8) return null;
  try {
    const value = parsePlist(blob.subarray(8));
    return isPlistDict(value) ? value : null;
  } catch {
    return null;
  }
}

/** The app and every extension or nested app in an .ipa, with its bundle id and current entitlements. */
export async function readProvisionedBundles(ipaPath: string): Promise<ProvisionedBundle[]> {
  return withZip(ipaPath, async (zip) => {
    const appInfo = zip.entries.find((e) => /^Payload\/[^/]+\.app\/Info\.plist$/.test(e.name));
    if (!appInfo) throw new AppError("no_app_bundle", "The archive has no Payload/<App>.app/Info.plist.");
    const appDir = appInfo.name.slice(0, -"Info.plist".length);
    const dirs = zip.entries
      .filter((e) => e.name.startsWith(appDir) && e.name.endsWith("/Info.plist"))
      .map((e) => e.name.slice(0, -"Info.plist".length))
      .filter((dir) => dir === appDir || PROVISIONED.test(dir.slice(0, -1)));
    const bundles: ProvisionedBundle[] = [];
    for (const dir of dirs) {
      const info = parsePlist(await zip.readEntry(`${dir}Info.plist`, MAX_PLIST_BYTES));
      if (!isPlistDict(info)) continue;
      const bundleId = plistString(info, "CFBundleIdentifier");
      const executable = plistString(info, "CFBundleExecutable");
      if (!bundleId) continue;
      let entitlements: PlistDict | null = null;
      if (executable && zip.getEntry(`${dir}${executable}`)) {
        const source = await zipEntrySource(zip, `${dir}${executable}`);
        try {
          const [slice] = await readMachoSlices(source);
          if (slice?.codeSignature) {
            const signature = parseEmbeddedSignature(
              await readSignatureBytes(source, slice, 64 * 1024 * 1024),
              slice.codeSignature.dataOffset,
            );
            entitlements = parseEntitlementsBlob(signature.entitlements);
          }
        } finally {
          await source.close();
        }
      }
      bundles.push({ dir: dir.slice(appDir.length), bundleId, entitlements });
    }
    // The app first, then nested bundles by path.
    return bundles.sort((a, b) => a.dir.length - b.dir.length || a.dir.localeCompare(b.dir));
  });
}

function asPlistValue(value: unknown, depth = 0): PlistValue {
  if (depth > 32) throw new AppError("bad_request", "The entitlements nest too deeply.");
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (Array.isArray(value)) return value.map((v) => asPlistValue(v, depth + 1));
  if (isPlistDict(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asPlistValue(v, depth + 1)]));
  }
  throw new AppError("bad_request", "The app's entitlements hold a value Ferry cannot write (a date?).");
}

function asJson(value: unknown): JsonValue | null {
  if (value === undefined) return null;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map((v) => asJson(v));
  if (isPlistDict(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asJson(v)]));
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return null;
}

/** Whether a profile's value for a key (a string, "*", a wildcard like "TEAM.*", or a list of them) allows `wanted`. */
function grants(granted: JsonValue | undefined, wanted: unknown): boolean {
  if (granted === undefined || granted === null) return false;
  if (Array.isArray(wanted)) return wanted.every((w) => grants(granted, w));
  if (Array.isArray(granted)) return granted.some((g) => grants(g, wanted));
  if (typeof granted === "string" && typeof wanted === "string") {
    if (granted === "*") return true;
    if (granted.endsWith("*")) return wanted.startsWith(granted.slice(0, -1));
    return granted === wanted;
  }
  if (typeof granted === "boolean") return granted === wanted || (granted && wanted === false);
  return JSON.stringify(granted) === JSON.stringify(asJson(wanted));
}

// Set from the profile and team, never compared with it as a grant.
const MANAGED = new Set([
  "application-identifier",
  "com.apple.developer.team-identifier",
  "get-task-allow",
  "aps-environment",
  "keychain-access-groups",
]);

/**
 * The entitlements `bundle` will be signed with: its own, with the team
 * prefix moved to `teamId`, application-identifier and team-identifier set,
 * get-task-allow and aps-environment as the profile says; every other key
 * must be granted by the profile. Throws signing_profile_missing_entitlement
 * naming what is missing.
 */
export function rewriteEntitlements(
  bundle: ProvisionedBundle,
  profile: ProfileForFit,
  teamId: string,
): { entitlements: PlistDict; changes: EntitlementChange[] } {
  const { entitlements, changes, missing } = rewriteEntitlementsUnchecked(bundle, profile, teamId);
  if (missing) throw missing;
  return { entitlements, changes };
}

/** rewriteEntitlements without the throw: what the bundle would carry, and the refusal if the profile lacks a grant. */
function rewriteEntitlementsUnchecked(
  bundle: ProvisionedBundle,
  profile: ProfileForFit,
  teamId: string,
): { entitlements: PlistDict; changes: EntitlementChange[]; missing: AppError | null } {
  const original = bundle.entitlements ?? {};
  const oldAppId = typeof original["application-identifier"] === "string" ? original["application-identifier"] : "";
  const oldTeam =
    (typeof original["com.apple.developer.team-identifier"] === "string"
      ? original["com.apple.developer.team-identifier"]
      : null) ?? (oldAppId.includes(".") ? oldAppId.slice(0, oldAppId.indexOf(".")) : null);
  const moveTeam = (value: unknown): unknown => {
    if (typeof value === "string" && oldTeam && value.startsWith(`${oldTeam}.`)) {
      return `${teamId}.${value.slice(oldTeam.length + 1)}`;
    }
    if (Array.isArray(value)) return value.map(moveTeam);
    return value;
  };
  const granted = profile.entitlements;
  const out: PlistDict = {};
  const missing: string[] = [];
  for (const [key, value] of Object.entries(original)) {
    if (MANAGED.has(key)) continue;
    const moved = moveTeam(value);
    if (!grants(granted[key], moved)) missing.push(key);
    out[key] = moved;
  }
  out["application-identifier"] = `${teamId}.${bundle.bundleId}`;
  out["com.apple.developer.team-identifier"] = teamId;
  if (typeof granted["get-task-allow"] === "boolean") out["get-task-allow"] = granted["get-task-allow"];
  if ("aps-environment" in original) {
    const aps = granted["aps-environment"];
    if (typeof aps === "string") out["aps-environment"] = aps;
    else missing.push("aps-environment");
  }
  if ("keychain-access-groups" in original) {
    const groups = moveTeam(original["keychain-access-groups"]);
    const allowed =
      granted["keychain-access-groups"] !== undefined
        ? grants(granted["keychain-access-groups"], groups)
        : // Without the key, only the app's own default group is implied.
          Array.isArray(groups) && groups.every((g) => g === out["application-identifier"]);
    if (!allowed) missing.push("keychain-access-groups");
    out["keychain-access-groups"] = groups;
  }
  const refusal =
    missing.length > 0
      ? new AppError(
          "signing_profile_missing_entitlement",
          `The provisioning profile "${profile.name}" does not grant what ${bundle.bundleId} uses: ${missing.join(", ")}. Enable ${missing.length === 1 ? "it" : "them"} for the app id and download the profile again.`,
        )
      : null;
  const changes: EntitlementChange[] = [];
  for (const key of [...new Set([...Object.keys(original), ...Object.keys(out)])].sort()) {
    const from = asJson(original[key]);
    const to = asJson(out[key]);
    if (JSON.stringify(from) === JSON.stringify(to)) continue;
    changes.push({ key, kind: !(key in original) ? "added" : !(key in out) ? "removed" : "changed", from, to });
  }
  return { entitlements: out, changes, missing: refusal };
}

/** One bundle's outcome: its profile, its entitlements now and after, and what blocks it (null: nothing). */
export type BundleOutcome = {
  dir: string;
  bundleId: string;
  profile: ProfileForFit | null;
  before: Record<string, JsonValue>;
  /** What it will be signed with; null when a refusal came before the rewrite. */
  after: PlistDict | null;
  changes: EntitlementChange[];
  error: AppError | null;
};

type PlanInput = {
  bundles: ProvisionedBundle[];
  identity: IdentityForFit;
  defaultProfile: ProfileForFit | null;
  profilesByBundleId: ReadonlyMap<string, ProfileForFit>;
  now?: Date;
};

/**
 * Every bundle's outcome, refusals collected instead of thrown: what the
 * preview shows, and what planResign turns into a plan (or its first refusal).
 * Errors that concern the request as a whole (no team, a profile for a bundle
 * the build lacks) are thrown.
 */
export function planBundles(input: PlanInput): { teamId: string; outcomes: BundleOutcome[] } {
  const teamId = input.identity.teamId ?? input.defaultProfile?.teamId;
  if (!teamId) {
    throw new AppError(
      "signing_identity_unsuitable_certificate",
      "The certificate names no team (its subject has no OU): Ferry cannot set the team of the re-signed app.",
    );
  }
  for (const bundleId of input.profilesByBundleId.keys()) {
    if (!input.bundles.some((b) => b.bundleId === bundleId)) {
      throw new AppError("bad_request", `The build has no bundle ${bundleId} to give a profile to.`);
    }
  }
  const outcomes = input.bundles.map((bundle): BundleOutcome => {
    const profile = input.profilesByBundleId.get(bundle.bundleId) ?? input.defaultProfile;
    const base = {
      dir: bundle.dir,
      bundleId: bundle.bundleId,
      profile,
      before: (asJson(bundle.entitlements ?? {}) ?? {}) as Record<string, JsonValue>,
    };
    if (!profile) {
      const error = new AppError(
        "bad_request",
        `No profile for ${bundle.bundleId}: give one in "profiles": { "${bundle.bundleId}": "<profile id>" }.`,
      );
      return { ...base, after: null, changes: [], error };
    }
    try {
      assertProfileFits(profile, input.identity, bundle.bundleId, input.now);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return { ...base, after: null, changes: [], error };
    }
    const { entitlements, changes, missing } = rewriteEntitlementsUnchecked(bundle, profile, teamId);
    return { ...base, after: entitlements, changes, error: missing };
  });
  return { teamId, outcomes };
}

/** Entitlements as JSON (data as base64), for a preview. */
export function entitlementsJson(entitlements: PlistDict): Record<string, JsonValue> {
  return (asJson(entitlements) ?? {}) as Record<string, JsonValue>;
}

/**
 * The whole plan: each provisioned bundle gets the profile named for its
 * bundle id, else the default one; every fit is checked and every
 * entitlement rewritten before the caller writes anything.
 */
export function planResign(input: PlanInput): BundlePlan[] {
  return planBundles(input).outcomes.map((outcome) => {
    if (outcome.error) throw outcome.error;
    if (!outcome.profile || !outcome.after)
      throw new Error("a bundle without a refusal has a profile and entitlements");
    return {
      dir: outcome.dir,
      bundleId: outcome.bundleId,
      profileId: outcome.profile.id,
      entitlementsXml: writeXmlPlist(asPlistValue(outcome.after)),
      changes: outcome.changes,
    };
  });
}
