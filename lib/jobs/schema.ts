import { z } from "zod";

/** A job's life: queued → running → succeeded | failed (a failed attempt with attempts left is queued again). */
export const JOB_STATUSES = ["queued", "running", "succeeded", "failed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** What the API answers (lib/api-docs/openapi.ts is generated from it). */
export const jobResponseSchema = z.object({
  id: z.uuid(),
  kind: z.string().optional().describe("`build.resign`."),
  status: z.enum(JOB_STATUSES),
  url: z.string().describe("Poll this (GET /api/v1/jobs/{jobId})."),
  attempts: z.number().int().optional(),
  createdAt: z.iso.datetime({ offset: true }).optional(),
  finishedAt: z.iso.datetime({ offset: true }).nullable().optional(),
  buildId: z.uuid().optional().describe("The build a succeeded re-sign made."),
  error: z
    .object({ code: z.string(), message: z.string() })
    .optional()
    .describe("Why the last attempt failed (a job that is queued again after it shows it too)."),
});
