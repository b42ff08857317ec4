import { createHash, randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import { build as buildPlist } from "plist";
import { env } from "@/lib/config/env";
import { prisma } from "@/lib/db/client";
import { type CmsSigner, loadCmsSigner, signCms } from "@/lib/devices/cms-sign";
import type { UserDto } from "@/lib/users/data";

/**
 * The enrollment profile: a "Profile Service" payload that makes iOS post its
 * UDID and a few attributes back to Ferry, with a single-use challenge bound
 * to the user who downloaded it.
 */

/** Long enough to tap through Settings' "Profile Downloaded" screens, short enough that a leaked profile dies. */
export const ENROLLMENT_TTL_SECONDS = 15 * 60;

export const DEVICE_ATTRIBUTES = ["UDID", "PRODUCT", "VERSION", "SERIAL", "DEVICE_NAME", "IMEI"] as const;

export const ENROLLMENT_CONTENT_TYPE = "application/x-apple-aspen-config";

export const PROFILE_SERVICE_PATH = "/api/v1/devices/profile-service";

export function hashChallenge(challenge: string): string {
  return createHash("sha256").update(challenge, "utf8").digest("hex");
}

/**
 * Live (unused, unexpired) challenges one user may hold. Each download of the
 * enrollment profile issues one; past this many the oldest are deleted (that
 * profile then answers `enrollment_challenge_invalid`), so repeated downloads
 * keep working while the table stays bounded. Five covers an iPhone and an
 * iPad registered side by side, with retries.
 */
export const MAX_LIVE_ENROLLMENTS_PER_USER = 5;

/** Issues a fresh challenge for `user`; only its hash is stored. Expired rows and the user's oldest live ones past the cap go. */
export async function createEnrollmentChallenge(
  user: Pick<UserDto, "id">,
  now = new Date(),
): Promise<{ challenge: string; expiresAt: Date }> {
  const challenge = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + ENROLLMENT_TTL_SECONDS * 1000);
  await prisma().$transaction(async (tx) => {
    // One user's downloads take turns, so concurrent ones cannot overshoot the cap.
    await tx.$queryRaw`SELECT 1 FROM users WHERE id = ${user.id}::uuid FOR UPDATE`;
    await tx.deviceEnrollment.deleteMany({ where: { expiresAt: { lte: now } } });
    const older = await tx.deviceEnrollment.findMany({
      where: { userId: user.id, usedAt: null },
      orderBy: [{ createdAt: "desc" }, { expiresAt: "desc" }],
      skip: MAX_LIVE_ENROLLMENTS_PER_USER - 1,
      select: { challengeHash: true },
    });
    if (older.length > 0) {
      await tx.deviceEnrollment.deleteMany({ where: { challengeHash: { in: older.map((r) => r.challengeHash) } } });
    }
    await tx.deviceEnrollment.create({
      data: { challengeHash: hashChallenge(challenge), userId: user.id, expiresAt },
    });
  });
  return { challenge, expiresAt };
}

export function profileServiceUrl(publicUrl = env().publicUrl): string {
  return `${publicUrl.replace(/\/+$/, "")}${PROFILE_SERVICE_PATH}`;
}

/** The unsigned profile (XML plist). */
export function enrollmentProfileXml(challenge: string, publicUrl = env().publicUrl): string {
  const host = new URL(publicUrl).hostname;
  return buildPlist({
    PayloadContent: {
      URL: profileServiceUrl(publicUrl),
      DeviceAttributes: [...DEVICE_ATTRIBUTES],
      Challenge: challenge,
    },
    PayloadOrganization: "Ferry",
    PayloadDisplayName: "Ferry device registration",
    PayloadDescription: `Tells ${host} this device's identifier (UDID) so in-house test builds can include it. Nothing is installed.`,
    PayloadIdentifier: `ferry.device-registration.${host}`,
    PayloadUUID: randomUUID().toUpperCase(),
    PayloadVersion: 1,
    PayloadType: "Profile Service",
  });
}

function pemFrom(value: string): string {
  return value.includes("-----BEGIN") ? value : fs.readFileSync(value, "utf8");
}

let cachedSigner: { key: string; signer: CmsSigner } | null = null;

/** The configured signer, or null when profiles are served unsigned. Bad PEM fails loudly (operator error). */
export function enrollmentSigner(): CmsSigner | null {
  const config = env().mobileconfigSigning;
  if (!config) return null;
  const key = `${config.cert}\0${config.key}`;
  if (cachedSigner?.key !== key) {
    try {
      cachedSigner = { key, signer: loadCmsSigner(pemFrom(config.cert), pemFrom(config.key)) };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`MOBILECONFIG_SIGNING_CERT/MOBILECONFIG_SIGNING_KEY cannot be used: ${why}`);
    }
  }
  return cachedSigner.signer;
}

/** A fresh enrollment profile for `user`, signed when a certificate is configured. */
export async function enrollmentProfileFor(
  user: Pick<UserDto, "id">,
  now = new Date(),
): Promise<{ body: Buffer; signed: boolean }> {
  const signer = enrollmentSigner();
  const { challenge } = await createEnrollmentChallenge(user, now);
  const xml = Buffer.from(enrollmentProfileXml(challenge), "utf8");
  return signer ? { body: signCms(xml, signer, now), signed: true } : { body: xml, signed: false };
}
