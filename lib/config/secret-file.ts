import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

/**
 * Reads a secret kept in a file, creating it (mode 0600) on first use. The
 * exclusive create makes concurrent first starts agree on one value.
 */
export async function readOrCreateSecretFile(file: string, bytes = 32): Promise<string> {
  try {
    return (await fs.readFile(file, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  const secret = randomBytes(bytes).toString("base64url");
  try {
    await fs.writeFile(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return (await fs.readFile(file, "utf8")).trim();
  }
}
