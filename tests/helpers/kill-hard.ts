import fs from "node:fs";

/** SIGKILL a server and the processes it started (tsx runs Ferry in a child), by their ids: no clean-up runs. */
export function killHard(pid: number): void {
  const children = fs
    .readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent's id.
        return fs.readFileSync(`/proc/${name}/stat`, "utf8").split(") ")[1]?.split(" ")[1] === String(pid);
      } catch {
        return false;
      }
    });
  for (const child of children) process.kill(Number(child), "SIGKILL");
  process.kill(pid, "SIGKILL");
}
