import { z } from "zod";

/** Field rules for groups, shared by the admin forms and the mutations (which parse them). */

export const createGroupSchema = z.object({
  name: z.string().trim().min(1, "Enter a name for the group.").max(100, "The name must be at most 100 characters."),
  description: z
    .string()
    .trim()
    .max(500, "The description must be at most 500 characters.")
    .nullable()
    .optional()
    .transform((v) => v || null),
});
export type NewGroup = z.input<typeof createGroupSchema>;
