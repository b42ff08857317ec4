import fs from "node:fs";

/**
 * Summed resident memory (VmRSS, bytes) of a process and its children, from
 * /proc (Linux): the server runs as a launcher plus the node process serving.
 */
export function processTreeRss(root: number): number {
  let total = 0;
  const queue = [root];
  for (let i = 0; i < 100 && queue.length > 0; i++) {
    const pid = queue.shift() as number;
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
      total += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
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
