import { randomUUID } from "node:crypto";
import { type Actor, actorUserId } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import { recordChange } from "@/lib/audit/audit";
import { prisma } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { AppError, parseInput } from "@/lib/errors";
import {
  certificateFingerprint,
  getSigningIdentity,
  type SigningIdentityDto,
  toSigningIdentityDto,
} from "@/lib/signing/identities/data";
import {
  type AddSigningIdentityInput,
  addSigningIdentitySchema,
  signingIdentityRefSchema,
} from "@/lib/signing/identities/schema";
import { encryptSigningKey } from "@/lib/signing/key-encryption";
import { parsePemIdentity, parsePkcs12Identity, type SigningIdentity } from "@/lib/signing/signing-identity";

/**
 * Adding and deleting signing identities: admins only, audited. The key is
 * encrypted before it reaches the database (with the row's id as associated
 * data), and no audit row, error or return value carries it or the password.
 */

function readIdentity(input: AddSigningIdentityInput): SigningIdentity {
  const parsed = parseInput(addSigningIdentitySchema, input);
  if (parsed.kind === "p12") {
    if (parsed.file.length === 0) throw new AppError("empty_body", "Send the .p12 file as the field `file`.");
    return parsePkcs12Identity(parsed.file, parsed.password);
  }
  return parsePemIdentity(parsed.certificate, parsed.key, parsed.password);
}

export async function addSigningIdentity(input: AddSigningIdentityInput, by: Actor): Promise<SigningIdentityDto> {
  authorize(by, "signing.manage");
  const identity = readIdentity(input);
  const id = randomUUID();
  const fingerprint = certificateFingerprint(identity.certificate);
  let row: Awaited<ReturnType<ReturnType<typeof prisma>["signingIdentity"]["create"]>>;
  try {
    row = await prisma().$transaction(async (tx) => {
      const created = await tx.signingIdentity.create({
        data: {
          id,
          commonName: identity.commonName,
          teamId: identity.teamId,
          serial: identity.serial,
          notAfter: identity.notAfter,
          fingerprint,
          certificate: new Uint8Array(identity.certificate.raw),
          chainPem: identity.chain.map((c) => c.toString()).join("\n"),
          encryptedKey: new Uint8Array(encryptSigningKey(identity.privateKey, id)),
          createdById: actorUserId(by),
        },
      });
      await recordChange(tx, by, {
        action: "signing_identity.add",
        target: { type: "signing_identity", id },
        details: {
          commonName: identity.commonName,
          teamId: identity.teamId,
          serial: identity.serial,
          notAfter: identity.notAfter.toISOString(),
          fingerprint,
          source: input.kind,
        },
      });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError(
        "conflict",
        `This certificate (${identity.commonName}, serial ${identity.serial}) is already added.`,
      );
    }
    throw error;
  }
  return toSigningIdentityDto(row);
}

/** Deletes the identity and its key. Jobs queued with it fail with a clear error. */
export async function deleteSigningIdentity(input: { identityId: string }, by: Actor): Promise<void> {
  authorize(by, "signing.manage");
  const { identityId } = parseInput(signingIdentityRefSchema, input);
  const identity = await getSigningIdentity(by, identityId);
  await prisma().$transaction(async (tx) => {
    const deleted = await tx.signingIdentity.deleteMany({ where: { id: identity.id } });
    if (deleted.count === 0) throw new AppError("not_found", "No such signing identity: it may have been deleted.");
    await recordChange(tx, by, {
      action: "signing_identity.delete",
      target: { type: "signing_identity", id: identity.id },
      details: { commonName: identity.commonName, teamId: identity.teamId, serial: identity.serial },
    });
  });
}
