import { z } from "zod";
import { coverageEntrySchema } from "@/lib/devices/schema";
import { CODE_SIGNATURE_PROBLEMS, type CodeSignatureProblemCode } from "@/lib/verify/problems";

/** Release notes: Markdown source, rendered safely by lib/builds/markdown.ts. */
export const NOTES_MAX_LENGTH = 10_000;

export const editNotesSchema = z.object({
  buildId: z.string().uuid("Unknown build."),
  notes: z.string().max(NOTES_MAX_LENGTH, `Release notes are at most ${NOTES_MAX_LENGTH} characters.`),
});

/** The body of `PATCH /api/v1/builds/{buildId}`. */
export const editNotesBodySchema = z.object(
  { notes: editNotesSchema.shape.notes.describe("Markdown; an empty string removes the notes.") },
  { message: 'Send JSON { "notes": "…" }.' },
);

export const deleteBuildSchema = z.object({ buildId: z.string().uuid("Unknown build.") });

// What the API answers (the OpenAPI document is generated from these; tests/openapi.test.ts parses real answers with them).

const dateTime = z.iso.datetime({ offset: true });

export const warningSchema = z.object({
  code: z.string(),
  severity: z.enum(["error", "warning", "info"]),
  message: z.string(),
  hint: z.string(),
});

export const codeSignatureSchema = z.object({
  valid: z.boolean().describe("Every seal intact and the signer trusted (certificate expiry is only a warning)."),
  checkedAt: dateTime.describe("When certificate expiry was judged."),
  problems: z.array(
    z.object({
      code: z.enum(Object.keys(CODE_SIGNATURE_PROBLEMS) as [CodeSignatureProblemCode, ...CodeSignatureProblemCode[]]),
      severity: z.enum(["error", "warning"]),
      message: z.string(),
      path: z.string().describe("The file in the archive the problem concerns."),
      arch: z.string().optional().describe("The Mach-O slice, e.g. arm64."),
    }),
  ),
  signer: z
    .looseObject({
      commonName: z.string().nullable(),
      teamId: z.string().nullable(),
      serial: z.string(),
      notBefore: dateTime,
      notAfter: dateTime,
      issuedByApple: z.boolean(),
      trusted: z.boolean(),
      signedAt: dateTime.nullable(),
    })
    .nullable(),
  binaries: z.array(
    z.looseObject({
      path: z.string(),
      arch: z.string(),
      cdhash: z.string().regex(/^[0-9a-f]{40}$/),
      cdhashes: z.array(z.looseObject({})),
      hashType: z.enum(["sha1", "sha256", "sha256-truncated", "sha384"]),
      identifier: z.string(),
      teamId: z.string().nullable(),
    }),
  ),
  entitlements: z.record(z.string(), z.unknown()).nullable(),
});

/** A build as `GET /api/v1/builds/{id}` and the upload answer it (lib/builds/build-json.ts). */
export const buildResponseSchema = z.object({
  id: z.uuid(),
  appId: z.uuid(),
  bundleId: z.string(),
  version: z.string().describe("CFBundleShortVersionString"),
  buildNumber: z.string().describe("CFBundleVersion"),
  name: z.string(),
  minimumOsVersion: z.string().nullable(),
  sizeBytes: z.int(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  notes: z.string().nullable().describe("Release notes (Markdown)."),
  channels: z.array(z.string()).describe("Channels the caller sees this build in."),
  createdAt: dateTime,
  uploadedBy: z.string().nullable(),
  appAdminsOnly: z.boolean(),
  pageUrl: z.url(),
  manifestUrl: z.url().describe("The caller's own install manifest (expires)."),
  installUrl: z.string().describe("`itms-services://` URL for the caller (expires)."),
  iconUrl: z.url(),
  installLinkExpiresAt: dateTime,
  warnings: z.array(warningSchema),
  analysis: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe("Everything the analyser found (Info.plist, profile, contents)."),
  codeSignature: codeSignatureSchema
    .nullable()
    .describe("The verified code signature; null for builds uploaded before Ferry verified signatures."),
  resignedFrom: z
    .uuid()
    .nullable()
    .describe("The build this one was re-signed from (`POST /builds/{buildId}/resign`); null for uploads."),
  deviceCoverage: z
    .object({ included: z.array(coverageEntrySchema), missing: z.array(coverageEntrySchema) })
    .optional()
    .describe("Only `GET /builds/{buildId}` of ad hoc and development builds."),
});
