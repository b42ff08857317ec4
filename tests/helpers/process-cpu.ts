import { processTreePids, procFile } from "./process-tree";

/** User + system CPU seconds of a process and its descendants, from /proc/<pid>/stat (Linux). */
export function processTreeCpu(root: number): number {
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of processTreePids(root)) {
    const stat = procFile(pid, "stat");
    if (!stat) continue;
    // Fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    total += (Number(fields[11]) + Number(fields[12])) / ticks;
  }
  return total;
}
