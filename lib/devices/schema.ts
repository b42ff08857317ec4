import { z } from "zod";
import { sanitizeText } from "@/lib/analysis/sanitize-text";
import { idField } from "@/lib/server-actions/action-state";
import { emailSchema } from "@/lib/users/schema";

/** Field rules for devices, shared by the profile service, the admin forms, the import and the mutations. */

const UDID_LEGACY = /^[0-9a-f]{40}$/i;
const UDID_MODERN = /^[0-9a-f]{8}-[0-9a-f]{16}$/i;

/**
 * One spelling per UDID so lists from iOS, Apple's portal and profiles compare
 * equal: Apple writes the 40-hex form in lower case and the newer
 * 8-16 form in upper case.
 */
export function normalizeUdid(value: string): string | null {
  const v = value.trim();
  if (UDID_LEGACY.test(v)) return v.toLowerCase();
  if (UDID_MODERN.test(v)) return v.toUpperCase();
  return null;
}

export const udidSchema = z.string().transform((v, ctx) => {
  const udid = normalizeUdid(v);
  if (!udid) {
    ctx.addIssue({ code: "custom", message: "A UDID is 40 hex digits or 8-16 hex digits with a dash." });
    return z.NEVER;
  }
  return udid;
});

/**
 * Device text as stored: a device (or a list) names itself, so control
 * characters go as in uploads (NUL would make PostgreSQL refuse the row) and
 * tabs and line breaks become one space (names are one line, in Apple's
 * tab-separated export too).
 */
export function cleanDeviceText(value: string): string {
  return sanitizeText(value)
    .replace(/[\t\n]+/g, " ")
    .trim();
}

export const deviceText = (max: number) =>
  z
    .string()
    .transform(cleanDeviceText)
    .pipe(z.string().max(max))
    .optional()
    .nullable()
    .transform((v) => v || null);

/** What a device told us (the profile service) or a list said (import). */
export const deviceAttributesSchema = z.object({
  udid: udidSchema,
  name: deviceText(200),
  model: deviceText(100),
  osVersion: deviceText(50),
  serial: deviceText(100),
  imei: deviceText(100),
});
export type DeviceAttributes = z.input<typeof deviceAttributesSchema>;

export const deviceNameSchema = z
  .string()
  .transform(cleanDeviceText)
  .pipe(z.string().min(1, "Enter a name for the device.").max(200, "The name must be at most 200 characters."));

export const renameDeviceSchema = z.object({ deviceId: idField("device"), name: deviceNameSchema });
export const deviceIdSchema = z.object({ deviceId: idField("device") });
/** The admin page's import form: a device list pasted as text (the API takes the raw body, capped by size). */
export const importDevicesFormSchema = z.object({
  list: z
    .string()
    .min(1, "Paste a device list.")
    .max(1024 * 1024, "The list is too long."),
});

export const reassignDeviceSchema = z.object({ deviceId: idField("device"), email: emailSchema });

/** A device in a build's coverage (`deviceCoverage` of `GET /api/v1/builds/{id}`). */
export const coverageEntrySchema = z.object({
  udid: z.string(),
  name: z.string().nullable(),
  model: z.string().nullable(),
  owner: z.string().nullable().describe("The owner's email."),
});
