import { z } from "zod";

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
