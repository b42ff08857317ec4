import fs from "node:fs";

/** User + system CPU seconds of a process and its descendants, from /proc/<pid>/stat (Linux). */
export function processTreeCpu(root: number): number {
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  const queue = [root];
  for (let i = 0; i < 200 && queue.length > 0; i++) {
    const pid = queue.shift() as number;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) / ticks;
      for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
        const kids = fs.readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
        if (kids) queue.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      // The process ended between two reads.
    }
  }
  return total;
}
