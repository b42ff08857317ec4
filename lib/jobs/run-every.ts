/**
 * The one worker loop of Ferry's background queues (jobs, webhook deliveries,
 * notification emails): `tick` every `everyMs` (default 1 s) on an unref'd
 * timer, a failure logged once per outage rather than every second. Returns
 * a function that stops the timer.
 */
export function runEvery(options: {
  tick: () => Promise<unknown>;
  /** What failed, for the log line: "background jobs", "webhook deliveries"… */
  what: string;
  log: (line: string) => void;
  everyMs?: number;
  /** Run once at once too (jobs resumed at start), not only after the first interval. */
  immediately?: boolean;
}): () => void {
  let failing = false;
  const run = async () => {
    try {
      await options.tick();
      failing = false;
    } catch (error) {
      if (!failing) options.log(`warning: ${options.what} failed: ${(error as Error).message}`);
      failing = true;
    }
  };
  const timer = setInterval(() => void run(), options.everyMs ?? 1000);
  timer.unref();
  if (options.immediately) void run();
  return () => clearInterval(timer);
}
