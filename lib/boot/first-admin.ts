import { randomBytes } from "node:crypto";
import { SYSTEM_ACTOR } from "@/lib/access/actor";
import { env } from "@/lib/config/env";
import { AppError } from "@/lib/errors";
import { countUsers } from "@/lib/users/data";
import { createUser } from "@/lib/users/mutations";

/**
 * On first start (no users at all) creates the first admin from ADMIN_EMAIL /
 * ADMIN_PASSWORD, or admin@localhost with a random password printed once.
 */
export async function ensureFirstAdmin(print: (line: string) => void): Promise<void> {
  if ((await countUsers()) > 0) return;
  const config = env();
  const email = config.adminEmail ?? "admin@localhost";
  const generated = config.adminPassword === undefined;
  const password = config.adminPassword ?? randomBytes(12).toString("base64url");
  try {
    await createUser({ email, password, role: "admin", name: "Administrator" }, SYSTEM_ACTOR);
  } catch (error) {
    // Another instance starting at the same moment created it.
    if (error instanceof AppError && error.code === "conflict") return;
    throw error;
  }
  if (generated) {
    print("");
    print("  First admin created. Sign in with:");
    print(`    Email:    ${email}`);
    print(`    Password: ${password}`);
    print("  This password is shown only once. Set ADMIN_EMAIL/ADMIN_PASSWORD to choose your own.");
    print("");
  } else {
    print(`First admin created: ${email}`);
  }
}
