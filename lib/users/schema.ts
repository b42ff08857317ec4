import { z } from "zod";
import { ROLES } from "@/lib/access/roles";

/** Field rules for users, shared by the admin forms, the CLI and the mutations. */

export const emailSchema = z
  .string()
  .trim()
  .min(1, "Enter the user's email address.")
  .max(320, "The email address is too long.")
  // The HTML5 rule browsers use for type=email: it accepts the default first admin, admin@localhost.
  .pipe(z.email({ pattern: z.regexes.html5Email, message: "Enter a valid email address, e.g. jane@example.com." }));

export const roleSchema = z.enum(ROLES, { message: "Choose a role: admin, uploader or member." });

export const passwordSchema = z
  .string()
  .min(8, "The password must be at least 8 characters.")
  .max(1024, "The password must be at most 1024 characters.");

export const newUserSchema = z.object({
  email: emailSchema,
  name: z
    .string()
    .trim()
    .max(200, "The name must be at most 200 characters.")
    .optional()
    .transform((v) => v || undefined),
  role: roleSchema.default("member"),
  password: z
    .string()
    .optional()
    .transform((v) => v || undefined)
    .pipe(passwordSchema.optional()),
});
export type NewUser = z.input<typeof newUserSchema>;
