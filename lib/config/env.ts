import path from "node:path";
import { z } from "zod";

/**
 * The one place that reads process.env. Validated once, with messages that
 * name the variable and say what is expected.
 */

const DURATION = /^(\d+)\s*(s|m|h|d)?$/i;
const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?$/i;

export function parseDuration(value: string): number | null {
  const m = DURATION.exec(value.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? "s").toLowerCase();
  const factor = unit === "d" ? 86_400 : unit === "h" ? 3_600 : unit === "m" ? 60 : 1;
  return n * factor;
}

export function parseSize(value: string): number | null {
  const m = SIZE.exec(value.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? "b").toLowerCase();
  const pow = { b: 0, kb: 1, kib: 1, mb: 2, mib: 2, gb: 3, gib: 3, tb: 4, tib: 4 }[unit] ?? 0;
  return Math.floor(n * 1024 ** pow);
}

/** TRUST_PROXY as a number of proxies: unset or false 0, true 1. */
function trustProxyHops(value: string | undefined): number {
  const v = (value ?? "false").toLowerCase();
  if (v === "true") return 1;
  if (v === "false") return 0;
  return Number(v);
}

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
    PORT: z.coerce
      .number({ message: "PORT must be a number" })
      .int()
      .min(1, "PORT must be between 1 and 65535")
      .max(65535, "PORT must be between 1 and 65535")
      .default(3000),
    HOSTNAME: optionalString,
    PUBLIC_URL: optionalString.pipe(
      z
        .url({ message: "PUBLIC_URL must be an absolute http(s) URL, e.g. https://ferry.example.com" })
        .refine((v) => /^https?:\/\//i.test(v), "PUBLIC_URL must start with http:// or https://")
        .optional(),
    ),
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgresql:// URL")
        .optional(),
    ),
    DATA_DIR: optionalString,
    AUTH_SECRET: optionalString.pipe(
      z.string().min(32, "AUTH_SECRET must be at least 32 characters (try: openssl rand -base64 48)").optional(),
    ),
    // Encrypts uploaded signing keys at rest (lib/signing/key-encryption.ts); AUTH_SECRET when unset.
    SIGNING_KEY_SECRET: optionalString.pipe(
      z.string().min(32, "SIGNING_KEY_SECRET must be at least 32 characters (try: openssl rand -base64 48)").optional(),
    ),
    // The App Store Connect API Ferry registers devices and makes profiles with (lib/app-store-connect/).
    APP_STORE_CONNECT_API_URL: optionalString.pipe(
      z
        .url({ message: "APP_STORE_CONNECT_API_URL must be a URL, e.g. https://api.appstoreconnect.apple.com" })
        .optional(),
    ),
    INSTALL_LINK_TTL: optionalString.pipe(
      z
        .string()
        .refine(
          (v) => (parseDuration(v) ?? 0) >= 60,
          "INSTALL_LINK_TTL must be a duration of at least 60s, e.g. 24h, 90m, 7d",
        )
        .optional(),
    ),
    MAX_UPLOAD_SIZE: optionalString.pipe(
      z
        .string()
        .refine(
          (v) => (parseSize(v) ?? 0) > 0,
          "MAX_UPLOAD_SIZE must be a size such as 4GB, 500MB or a number of bytes",
        )
        .optional(),
    ),
    UPLOAD_IDLE_TIMEOUT: optionalString.pipe(
      z
        .string()
        .refine(
          (v) => (parseDuration(v) ?? 0) >= 1,
          "UPLOAD_IDLE_TIMEOUT must be a duration of at least 1s, e.g. 60s, 2m",
        )
        .optional(),
    ),
    // How long audit events are kept (lib/retention/history-pruning.ts); "off" keeps them forever.
    AUDIT_RETENTION: optionalString.pipe(
      z
        .string()
        .refine(
          (v) => v.toLowerCase() === "off" || (parseDuration(v) ?? 0) >= 86_400,
          "AUDIT_RETENTION must be a duration of at least 1d, e.g. 400d, or off",
        )
        .optional(),
    ),
    WEBHOOK_RETRY_BASE: optionalString.pipe(
      z
        .string()
        .refine(
          (v) => (parseDuration(v) ?? 0) >= 1,
          "WEBHOOK_RETRY_BASE must be a duration of at least 1s, e.g. 60s, 5m",
        )
        .optional(),
    ),
    // Email notifications (lib/notifications/): off unless SMTP_URL is set.
    SMTP_URL: optionalString.pipe(
      z
        .string()
        .refine((v) => {
          try {
            return ["smtp:", "smtps:"].includes(new URL(v).protocol);
          } catch {
            return false;
          }
        }, "SMTP_URL must be an smtp:// or smtps:// URL, e.g. smtps://user:pass@mail.example.com:465")
        .optional(),
    ),
    // "Ferry <ferry@example.com>" or a bare address.
    MAIL_FROM: optionalString.pipe(
      z
        .string()
        .regex(
          /^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/,
          'MAIL_FROM must be an email address, e.g. ferry@example.com or "Ferry <ferry@example.com>"',
        )
        .optional(),
    ),
    NOTIFY_BATCH_WINDOW: optionalString.pipe(
      z
        .string()
        .refine(
          (v) => (parseDuration(v) ?? -1) >= 0 && (parseDuration(v) ?? 0) <= 86_400,
          "NOTIFY_BATCH_WINDOW must be a duration from 0s to 24h, e.g. 2m",
        )
        .optional(),
    ),
    // true = 1: how many reverse proxies (each appending to X-Forwarded-For) stand in front of Ferry.
    TRUST_PROXY: optionalString.pipe(
      z
        .string()
        .regex(/^(true|false|[0-9]|10)$/i, "TRUST_PROXY must be true, false or a number of proxies from 0 to 10")
        .optional(),
    ),
    WEBHOOK_ALLOW_PRIVATE: optionalString.pipe(
      z.enum(["true", "false", "1", "0"], { message: "WEBHOOK_ALLOW_PRIVATE must be true or false" }).optional(),
    ),
    // Tests only: their webhook receivers listen on 127.0.0.1 (see README).
    WEBHOOK_ALLOW_LOOPBACK: optionalString.pipe(
      z.enum(["true", "false", "1", "0"], { message: "WEBHOOK_ALLOW_LOOPBACK must be true or false" }).optional(),
    ),
    // false: this instance runs no background jobs (re-signing); another instance does.
    JOB_WORKER: optionalString.pipe(
      z.enum(["true", "false", "1", "0"], { message: "JOB_WORKER must be true or false" }).optional(),
    ),
    // PEM text, or a path to a PEM file: roots trusted like Apple's (test CAs, an organisation's own checks).
    CODESIGN_EXTRA_ROOTS: optionalString,
    // PEM text, or a path to a PEM file (certificate first, then its chain).
    MOBILECONFIG_SIGNING_CERT: optionalString,
    MOBILECONFIG_SIGNING_KEY: optionalString,
    OIDC_ISSUER: optionalString.pipe(
      z.url({ message: "OIDC_ISSUER must be the issuer URL, e.g. https://login.example.com/realms/acme" }).optional(),
    ),
    OIDC_CLIENT_ID: optionalString,
    OIDC_CLIENT_SECRET: optionalString,
    OIDC_NAME: optionalString,
    ADMIN_EMAIL: optionalString.pipe(z.email({ message: "ADMIN_EMAIL must be an email address" }).optional()),
    ADMIN_PASSWORD: optionalString.pipe(z.string().min(8, "ADMIN_PASSWORD must be at least 8 characters").optional()),
    STORAGE: optionalString.pipe(z.enum(["local", "s3"], { message: "STORAGE must be local or s3" }).optional()),
    S3_BUCKET: optionalString,
    S3_REGION: optionalString,
    S3_ENDPOINT: optionalString.pipe(
      z
        .url({ message: "S3_ENDPOINT must be an http(s) URL, e.g. https://minio.example.com:9000" })
        .refine((v) => /^https?:\/\//i.test(v), "S3_ENDPOINT must start with http:// or https://")
        .optional(),
    ),
    S3_FORCE_PATH_STYLE: optionalString.pipe(
      z.enum(["true", "false", "1", "0"], { message: "S3_FORCE_PATH_STYLE must be true or false" }).optional(),
    ),
    DOWNLOAD_OFFLOAD: optionalString.pipe(
      z.enum(["none", "nginx"], { message: "DOWNLOAD_OFFLOAD must be none or nginx" }).optional(),
    ),
    DOWNLOAD_OFFLOAD_PREFIX: optionalString.pipe(
      z
        .string()
        .regex(
          /^\/[A-Za-z0-9._~/-]*\/$/,
          "DOWNLOAD_OFFLOAD_PREFIX must be a path that starts and ends with /, e.g. /_ferry_files/",
        )
        .optional(),
    ),
    // Shared with nginx's report of a finished offloaded download (docs/nginx/ferry.conf): without it, reports are refused.
    DOWNLOAD_OFFLOAD_SECRET: optionalString.pipe(
      z
        .string()
        .min(32, "DOWNLOAD_OFFLOAD_SECRET must be at least 32 characters (try: openssl rand -hex 32)")
        .regex(/^[\x21-\x7e]+$/, "DOWNLOAD_OFFLOAD_SECRET must be printable ASCII without spaces (it goes in a header)")
        .optional(),
    ),
  })
  .superRefine((raw, ctx) => {
    if (raw.STORAGE === "s3" && !raw.S3_BUCKET) {
      ctx.addIssue({ code: "custom", path: ["S3_BUCKET"], message: "S3_BUCKET is required when STORAGE=s3" });
    }
    if (raw.STORAGE === "s3" && raw.DOWNLOAD_OFFLOAD === "nginx") {
      ctx.addIssue({
        code: "custom",
        path: ["DOWNLOAD_OFFLOAD"],
        message:
          "DOWNLOAD_OFFLOAD=nginx serves files from DATA_DIR and needs STORAGE=local (S3 downloads use presigned URLs)",
      });
    }
  })
  .refine((raw) => !raw.SMTP_URL === !raw.MAIL_FROM, {
    message: "SMTP_URL and MAIL_FROM must be set together (or neither: no email is sent)",
    path: ["MAIL_FROM"],
  })
  .refine((raw) => !raw.MOBILECONFIG_SIGNING_CERT === !raw.MOBILECONFIG_SIGNING_KEY, {
    message: "MOBILECONFIG_SIGNING_CERT and MOBILECONFIG_SIGNING_KEY must be set together (or neither)",
    path: ["MOBILECONFIG_SIGNING_KEY"],
  })
  .transform((raw) => {
    const port = raw.PORT;
    const publicUrl = (raw.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, "");
    return {
      nodeEnv: raw.NODE_ENV,
      port,
      hostname: raw.HOSTNAME,
      publicUrl,
      publicUrlIsHttps: publicUrl.toLowerCase().startsWith("https://"),
      databaseUrl: raw.DATABASE_URL,
      dataDir: path.resolve(/*turbopackIgnore: true*/ raw.DATA_DIR ?? "./data"),
      authSecret: raw.AUTH_SECRET,
      signingKeySecret: raw.SIGNING_KEY_SECRET,
      appStoreConnectApiUrl: (raw.APP_STORE_CONNECT_API_URL ?? "https://api.appstoreconnect.apple.com").replace(
        /\/+$/,
        "",
      ),
      installLinkTtlSeconds: parseDuration(raw.INSTALL_LINK_TTL ?? "24h") ?? 86_400,
      maxUploadBytes: parseSize(raw.MAX_UPLOAD_SIZE ?? "4GiB") ?? 4 * 1024 ** 3,
      uploadIdleTimeoutSeconds: parseDuration(raw.UPLOAD_IDLE_TIMEOUT ?? "60s") ?? 60,
      // Audit events older than this go (after install counts are kept as daily totals); null: kept forever.
      auditRetentionDays:
        raw.AUDIT_RETENTION?.toLowerCase() === "off"
          ? null
          : Math.floor((parseDuration(raw.AUDIT_RETENTION ?? "400d") ?? 400 * 86_400) / 86_400),
      // The first retry of a failed webhook delivery waits this long, each next one twice as long.
      webhookRetryBaseSeconds: parseDuration(raw.WEBHOOK_RETRY_BASE ?? "60s") ?? 60,
      // Webhook receivers on private networks (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) are refused unless true.
      webhookAllowPrivate: raw.WEBHOOK_ALLOW_PRIVATE === "true" || raw.WEBHOOK_ALLOW_PRIVATE === "1",
      webhookAllowLoopback: raw.WEBHOOK_ALLOW_LOOPBACK === "true" || raw.WEBHOOK_ALLOW_LOOPBACK === "1",
      trustProxyHops: trustProxyHops(raw.TRUST_PROXY),
      // null: email notifications are off (watching still works, nothing is queued).
      mail: raw.SMTP_URL && raw.MAIL_FROM ? { smtpUrl: raw.SMTP_URL, from: raw.MAIL_FROM } : null,
      // Builds for one person within this long after the first become one email.
      notifyBatchWindowSeconds: parseDuration(raw.NOTIFY_BATCH_WINDOW ?? "2m") ?? 120,
      jobWorker: raw.JOB_WORKER !== "false" && raw.JOB_WORKER !== "0",
      oidc:
        raw.OIDC_ISSUER && raw.OIDC_CLIENT_ID
          ? {
              issuer: raw.OIDC_ISSUER.replace(/\/+$/, ""),
              clientId: raw.OIDC_CLIENT_ID,
              clientSecret: raw.OIDC_CLIENT_SECRET,
              name: raw.OIDC_NAME ?? "Single sign-on",
            }
          : null,
      mobileconfigSigning:
        raw.MOBILECONFIG_SIGNING_CERT && raw.MOBILECONFIG_SIGNING_KEY
          ? { cert: raw.MOBILECONFIG_SIGNING_CERT, key: raw.MOBILECONFIG_SIGNING_KEY }
          : null,
      codesignExtraRoots: raw.CODESIGN_EXTRA_ROOTS,
      adminEmail: raw.ADMIN_EMAIL,
      adminPassword: raw.ADMIN_PASSWORD,
      storage:
        raw.STORAGE === "s3" && raw.S3_BUCKET
          ? {
              kind: "s3" as const,
              bucket: raw.S3_BUCKET,
              region: raw.S3_REGION ?? "us-east-1",
              endpoint: raw.S3_ENDPOINT,
              forcePathStyle: raw.S3_FORCE_PATH_STYLE === "true" || raw.S3_FORCE_PATH_STYLE === "1",
            }
          : { kind: "local" as const },
      downloadOffload:
        raw.DOWNLOAD_OFFLOAD === "nginx"
          ? {
              kind: "nginx" as const,
              prefix: raw.DOWNLOAD_OFFLOAD_PREFIX ?? "/_ferry_files/",
              // null: nginx's completion reports are refused, so the funnel's *completed* step stays at 0.
              reportSecret: raw.DOWNLOAD_OFFLOAD_SECRET ?? null,
            }
          : null,
    };
  });

export type Env = z.infer<typeof schema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => {
        const key = issue.path.join(".");
        return key ? `${key}: ${issue.message}` : issue.message;
      }),
    );
  }
  return result.data;
}

let cached: Env | undefined;

export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/**
 * The launcher resolves values the operator may leave unset (an embedded
 * database's URL, the generated auth secret) before Next.js loads; it hands
 * them down through the process environment because Next bundles its own copy
 * of this module.
 */
export function exportResolvedEnv(values: { databaseUrl: string; authSecret: string }): void {
  process.env.DATABASE_URL = values.databaseUrl;
  process.env.AUTH_SECRET = values.authSecret;
  const current = env();
  // next-auth v4 reads these two itself.
  process.env.NEXTAUTH_URL = current.publicUrl;
  process.env.NEXTAUTH_SECRET = values.authSecret;
  cached = { ...current, databaseUrl: values.databaseUrl, authSecret: values.authSecret };
}

export function requireDatabaseUrl(): string {
  const url = env().databaseUrl;
  if (!url) throw new Error("DATABASE_URL is not resolved: start Ferry with `npm start` (scripts/start.ts)");
  return url;
}

export function requireAuthSecret(): string {
  const secret = env().authSecret;
  if (!secret) throw new Error("AUTH_SECRET is not resolved: start Ferry with `npm start` (scripts/start.ts)");
  return secret;
}
