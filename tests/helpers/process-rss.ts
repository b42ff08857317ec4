import { processTreePids, procFile } from "./process-tree";

/** Summed resident memory (VmRSS, bytes) of a process and its children, from /proc (Linux). */
export function processTreeRss(root: number): number {
  let total = 0;
  for (const pid of processTreePids(root)) {
    total += Number(/^VmRSS:\s+(\d+) kB/m.exec(procFile(pid, "status") ?? "")?.[1] ?? 0) * 1024;
  }
  return total;
}
