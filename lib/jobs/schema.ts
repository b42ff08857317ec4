/** A job's life: queued → running → succeeded | failed (a failed attempt with attempts left is queued again). */
export const JOB_STATUSES = ["queued", "running", "succeeded", "failed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
