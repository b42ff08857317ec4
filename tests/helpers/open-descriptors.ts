import { existsSync, readdirSync, readlinkSync, realpathSync } from "node:fs";

/**
 * How many of this process's descriptors are open on `file` (null without
 * /proc): only that file's, so descriptors other work opens or closes
 * meanwhile (the runner, earlier tests' handles) cannot move the count.
 */
export function openFdCount(file: string): number | null {
  if (!existsSync("/proc/self/fd")) return null;
  const target = realpathSync(file);
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === target) count += 1;
    } catch {
      // Closed between the listing and the read.
    }
  }
  return count;
}
