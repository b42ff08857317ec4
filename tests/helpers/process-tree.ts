import fs from "node:fs";

/**
 * A process and its descendants, from /proc (Linux): the server runs as a launcher plus the node
 * process serving (and the embedded PostgreSQL's processes when it runs one). A process that ends
 * while it is walked is left out.
 */
export function processTreePids(root: number): number[] {
  const pids: number[] = [];
  const queue = [root];
  for (let i = 0; i < 200 && queue.length > 0; i++) {
    const pid = queue.shift() as number;
    try {
      for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
        const kids = fs.readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
        if (kids) queue.push(...kids.split(/\s+/).map(Number));
      }
      pids.push(pid);
    } catch {
      // The process ended between two reads.
    }
  }
  return pids;
}

/** A /proc file of `pid`, or null when the process has ended. */
export function procFile(pid: number, name: string): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/${name}`, "utf8");
  } catch {
    return null;
  }
}
