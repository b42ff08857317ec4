import { z } from "zod";

export const signingProfileRefSchema = z.object({
  profileId: z.uuid({ message: "Unknown provisioning profile." }),
});
