import { X509Certificate } from "node:crypto";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import { prisma } from "@/lib/db/client";
import { isUuid } from "@/lib/db/ids";
import { AppError } from "@/lib/errors";
import { decryptSigningKey } from "@/lib/signing/key-encryption";
import type { SigningIdentity } from "@/lib/signing/signing-identity";

/**
 * Signing identities as admins see them: what the certificate says, never the
 * key. `loadIdentityForSigning` is the one reader of the encrypted key, for
 * the re-sign job only; nothing it returns is ever serialised.
 */
export type SigningIdentityDto = {
  id: string;
  commonName: string;
  teamId: string | null;
  serial: string;
  notAfter: string;
  /** SHA-256 of the certificate (upper-case hex), as profiles list it. */
  fingerprint: string;
  createdAt: string;
  createdBy: string | null;
};

// Deliberately without `encryptedKey`: only loadIdentityForSigning selects it.
const publicSelect = {
  id: true,
  commonName: true,
  teamId: true,
  serial: true,
  notAfter: true,
  fingerprint: true,
  createdAt: true,
  createdById: true,
} as const;

type PublicRow = {
  id: string;
  commonName: string;
  teamId: string | null;
  serial: string;
  notAfter: Date;
  fingerprint: string;
  createdAt: Date;
  createdById: string | null;
};

export async function toSigningIdentityDto(row: PublicRow): Promise<SigningIdentityDto> {
  const creator = row.createdById
    ? await prisma().user.findUnique({ where: { id: row.createdById }, select: { email: true } })
    : null;
  return {
    id: row.id,
    commonName: row.commonName,
    teamId: row.teamId,
    serial: row.serial,
    notAfter: row.notAfter.toISOString(),
    fingerprint: row.fingerprint,
    createdAt: row.createdAt.toISOString(),
    createdBy: creator?.email ?? null,
  };
}

/** Upper-case hex SHA-256 of a certificate's DER, without separators. */
export function certificateFingerprint(certificate: X509Certificate | Buffer): string {
  const cert = Buffer.isBuffer(certificate) ? new X509Certificate(certificate) : certificate;
  return cert.fingerprint256.replaceAll(":", "").toUpperCase();
}

/** Admins: every identity, newest first. */
export async function listSigningIdentities(by: Actor): Promise<SigningIdentityDto[]> {
  authorize(by, "signing.manage");
  const rows = await prisma().signingIdentity.findMany({ select: publicSelect, orderBy: { createdAt: "desc" } });
  return Promise.all(rows.map(toSigningIdentityDto));
}

/** Admins: one identity, or a 404. */
export async function getSigningIdentity(by: Actor, identityId: string): Promise<SigningIdentityDto> {
  authorize(by, "signing.manage");
  const row = isUuid(identityId)
    ? await prisma().signingIdentity.findUnique({ where: { id: identityId }, select: publicSelect })
    : null;
  if (!row) throw new AppError("not_found", "No such signing identity: it may have been deleted.");
  return toSigningIdentityDto(row);
}

/**
 * The identity with its decrypted private key, for signing inside this
 * process. Callers must not log, return or store any part of it.
 */
export async function loadIdentityForSigning(identityId: string): Promise<SigningIdentity & { id: string }> {
  const row = isUuid(identityId) ? await prisma().signingIdentity.findUnique({ where: { id: identityId } }) : null;
  if (!row) throw new AppError("not_found", "The signing identity was deleted.");
  const certificate = new X509Certificate(Buffer.from(row.certificate));
  const chain = (row.chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (pem) => new X509Certificate(pem),
  );
  return {
    id: row.id,
    certificate,
    chain,
    privateKey: decryptSigningKey(Buffer.from(row.encryptedKey), row.id),
    commonName: row.commonName,
    teamId: row.teamId,
    serial: row.serial,
    notAfter: row.notAfter,
  };
}
