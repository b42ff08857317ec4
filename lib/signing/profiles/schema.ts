import { z } from "zod";

export const signingProfileRefSchema = z.object({
  profileId: z.uuid({ message: "Unknown provisioning profile." }),
});

/** What the API answers (lib/api-docs/openapi.ts is generated from it). */
export const signingProfileResponseSchema = z.object({
  id: z.uuid(),
  uuid: z.string(),
  name: z.string(),
  type: z.enum(["development", "ad-hoc", "enterprise", "app-store"]),
  teamId: z.string().nullable(),
  appIdPattern: z.string().describe("The application-identifier without its team: `com.foo.app`, `com.foo.*`, `*`."),
  notAfter: z.iso.datetime({ offset: true }),
  devices: z.array(z.string()),
  createdAt: z.iso.datetime({ offset: true }).optional(),
  renewableBuilds: z
    .number()
    .int()
    .optional()
    .describe(
      "In the list: how many builds renewing this profile would re-sign (the newest build of each channel that embeds it; POST …/renew).",
    ),
});
