import { z } from "zod";
import { AppError } from "@/lib/errors";

/** A signing identity as an admin uploads it: a .p12 with its password, or a PEM certificate and key. */
export const addSigningIdentitySchema = z.union([
  z.object({
    kind: z.literal("p12"),
    file: z.instanceof(Buffer),
    password: z.string().max(1024, "The password is too long.").default(""),
  }),
  z.object({
    kind: z.literal("pem"),
    certificate: z.union([z.string(), z.instanceof(Buffer)]),
    key: z.union([z.string(), z.instanceof(Buffer)]),
    /** Only for an encrypted PKCS#8 key. */
    password: z.string().max(1024, "The password is too long.").optional(),
  }),
]);
export type AddSigningIdentityInput = z.input<typeof addSigningIdentitySchema>;

export const signingIdentityRefSchema = z.object({
  identityId: z.uuid({ message: "Unknown signing identity." }),
});

/**
 * The API's multipart fields as an input: `file` (+ `password`) for a .p12, or
 * `certificate` + `key` (+ `password` for an encrypted PKCS#8 key), each a file
 * part or a text field.
 */
export function identityInputFromFields(fields: {
  file: Buffer | null;
  certificate: Buffer | null;
  key: Buffer | null;
  password: string | null;
}): AddSigningIdentityInput {
  if (fields.file && (fields.certificate || fields.key)) {
    throw new AppError("bad_request", "Send either a .p12 (`file`) or a PEM `certificate` and `key`, not both.");
  }
  if (fields.file) return { kind: "p12", file: fields.file, password: fields.password ?? "" };
  if (fields.certificate && fields.key) {
    return { kind: "pem", certificate: fields.certificate, key: fields.key, password: fields.password ?? undefined };
  }
  if (fields.certificate || fields.key) {
    throw new AppError(
      fields.certificate ? "signing_identity_no_private_key" : "signing_identity_no_certificate",
      "Send both the PEM `certificate` and its private `key`.",
    );
  }
  throw new AppError(
    "bad_request",
    "Send multipart/form-data with a .p12 as `file` and its `password`, or a PEM `certificate` and `key`.",
  );
}

/** What the API answers (lib/api-docs/openapi.ts is generated from it); the key is never part of it. */
export const signingIdentityResponseSchema = z
  .object({
    id: z.uuid(),
    commonName: z.string(),
    teamId: z.string().nullable(),
    serial: z.string().describe("Upper-case hex."),
    notAfter: z.iso.datetime({ offset: true }),
  })
  .describe("A signing certificate and its private key; the key is encrypted at rest and never returned.");
