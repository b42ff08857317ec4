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

/** Issues a fresh challenge for `user`; only its hash is stored. Old rows are pruned on the way. */
export async function createEnrollmentChallenge(
  user: Pick<UserDto, "id">,
  now = new Date(),
): Promise<{ challenge: string; expiresAt: Date }> {
  const challenge = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + ENROLLMENT_TTL_SECONDS * 1000);
  await prisma().$transaction([
    prisma().deviceEnrollment.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - 24 * 3600_000) } } }),
    prisma().deviceEnrollment.create({ data: { challengeHash: hashChallenge(challenge), userId: user.id, expiresAt } }),
  ]);
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
