/**
 * `npm run check:structure`: the house rules that lint and typecheck cannot see,
 * checked on every CI run (.ci/run) so they are enforced, not remembered.
 * docs/architecture.md ("Rules the structure check enforces") explains each one.
 *
 * 1. prisma-outside-domain: `prisma()` is called only in a domain folder
 *    (DOMAIN_FOLDERS) or in an allow-listed data module (PRISMA_ALLOWED).
 * 2. write-in-data: a domain's data.ts only reads; writes live in mutations.ts
 *    or another module of the same folder.
 * 3. component-imports-app: components/ never imports from app/ (server
 *    actions live in lib/<domain>/actions.ts, where components may use them).
 * 4. file-name-case: kebab-case file and folder names (Next's `[param]`,
 *    `(group)` and `_app`/`_document` names excepted).
 * 5. default-export: named exports only, except the files Next (or a tool's
 *    config loader) requires a default export from (DEFAULT_EXPORT_ALLOWED).
 * 6. missing-path: every repository path a comment, string or doc names
 *    (lib/…, scripts/…, app/…, docs/…) exists.
 *
 * Exits 1 and prints one line per violation; `checkStructure(root)` returns
 * them for tests/check-structure.test.ts.
 */
import fs from "node:fs";
import path from "node:path";

export type Violation = { rule: string; file: string; message: string };

/**
 * Folders that own tables and therefore may query the database: each is one
 * concept's home (data.ts reads, mutations.ts writes). lib/db holds the client.
 */
export const DOMAIN_FOLDERS = [
  "lib/app-store-connect",
  "lib/apps",
  "lib/audit",
  "lib/builds",
  "lib/channels",
  "lib/db",
  "lib/devices",
  "lib/groups",
  "lib/jobs",
  "lib/notifications",
  "lib/retention",
  "lib/settings",
  "lib/storage",
  "lib/signing",
  "lib/tokens",
  "lib/update-check",
  "lib/users",
  "lib/webhooks",
];

/** Data modules outside a domain folder that may call prisma(), each with its reason. */
export const PRISMA_ALLOWED: Record<string, string> = {
  // The install hot path: one SQL query joins token, user, build and grants (bench/hot-paths.ts measures it).
  "lib/install-links/resolve-install-token.ts": "install hot path, one query",
};

/** Files whose default export a framework or tool requires. */
const DEFAULT_EXPORT_ALLOWED = [
  // App Router special files.
  /^app\/(?:.*\/)?(?:page|layout|template|error|global-error|not-found|loading|default)\.tsx$/,
  // Pages Router: every file under pages/ is a route or _app/_document.
  /^pages\/.+\.tsx$/,
  // Config files loaded by Next, PostCSS and Prisma.
  /^(?:next\.config\.js|postcss\.config\.mjs|prisma\.config\.ts)$/,
  // Type declarations for CommonJS packages.
  /\.d\.ts$/,
];

/** Source folders every rule looks at (plus root-level code files). */
const SOURCE_DIRS = ["app", "components", "lib", "pages", "scripts", "tests", "bench", "prisma"];
/** Never scanned: generated or installed code, build output, and the repository's dot folders. */
const SKIP = new Set(["node_modules", "generated", "data", "dist"]);
const CODE = /\.(?:ts|tsx|mjs|js)$/;
/** Where a mentioned path may point. */
const PATH_ROOTS = ["lib", "scripts", "app", "components", "tests", "docs", "bench", "pages", "prisma"];

function walk(root: string, rel: string, out: string[]): void {
  const dir = path.join(root, rel);
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || SKIP.has(entry.name)) continue;
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) walk(root, child, out);
    else out.push(child);
  }
}

/** Every file the rules look at, relative to root with forward slashes, sorted. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  for (const dir of [...SOURCE_DIRS, "docs"]) walk(root, dir, out);
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (entry.isFile() && (CODE.test(entry.name) || entry.name.endsWith(".md"))) out.push(entry.name);
  }
  return out.sort();
}

const isTest = (file: string) => /\.test\.tsx?$/.test(file);
const inFolder = (file: string, folder: string) => file.startsWith(`${folder}/`);

/** Source with comments blanked (strings kept): `prisma()` in a comment is not a call. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\/|(^|[^:"'`\\])\/\/[^\n]*/g, (m, pre: string | undefined) =>
    pre === undefined ? m.replace(/[^\n]/g, " ") : pre + " ".repeat(m.length - pre.length),
  );
}

// Built from two strings so this file does not match itself.
const PRISMA_CALL = new RegExp(`\\bprisma${"\\(\\)"}`);
// A model's write (`prisma().user.update(`, `tx.build.create(`), not `hash.update(` on a crypto object.
const WRITE_CALL =
  /\)\s*\.\s*\w+\s*\.\s*(?:create|createMany|createManyAndReturn|update|updateMany|updateManyAndReturn|upsert|delete|deleteMany)\(|\btx\s*\.\s*\w+\s*\.\s*(?:create|createMany|createManyAndReturn|update|updateMany|updateManyAndReturn|upsert|delete|deleteMany)\(|\$executeRaw/;
const IMPORT_SPECIFIER = /\b(?:from|import)\s*\(?\s*["']([^"'\n]+)["']/g;
const DEFAULT_EXPORT = /^\s*export\s+default\b|^\s*export\s*\{[^}]*\bas\s+default\b/m;
const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const NEXT_SEGMENT = /^(?:\[{1,2}(?:\.\.\.)?[A-Za-z0-9]+\]{1,2}|\([a-z0-9-]+\))$/;
const NEXT_PAGES_SPECIAL = /^_(?:app|document|error)$/;
// A repository path in prose or code: lib/…, scripts/… (not part of a URL, an `@/` import or another path).
const MENTIONED_PATH = new RegExp(`(?<![\\w/.@$-])(?:${PATH_ROOTS.join("|")})/[A-Za-z0-9_.\\-/\\[\\]]+`, "g");

function checkName(file: string): string | null {
  const parts = file.split("/");
  for (const [i, part] of parts.entries()) {
    const isFile = i === parts.length - 1;
    if (!isFile) {
      // Route folders may carry the extension of what they serve: app/d/[token]/manifest.plist/route.ts.
      if (!KEBAB.test(part.replace(/\.[a-z0-9]+$/, "")) && !NEXT_SEGMENT.test(part)) return part;
      continue;
    }
    // Stem before the first dot: "x.test.ts" -> "x"; a dynamic route file "[channel].tsx" -> "[channel]".
    const stem = part.replace(/^(\[[^\]]*\]|[^.]*)\..*$/, "$1");
    if (file.endsWith(".md") && /^[A-Z]+$/.test(stem)) continue; // README.md and friends
    if (KEBAB.test(stem) || NEXT_SEGMENT.test(stem) || (file.startsWith("pages/") && NEXT_PAGES_SPECIAL.test(stem))) {
      continue;
    }
    return part;
  }
  return null;
}

/** Does a mentioned path exist (a file, a folder, or a module named without its extension)? */
function pathExists(root: string, mentioned: string): boolean {
  const candidate = mentioned.replace(/[./]+$/, "");
  if (fs.existsSync(path.join(root, candidate))) return true;
  return [".ts", ".tsx", ".mjs", ".js"].some((ext) => fs.existsSync(path.join(root, candidate + ext)));
}

export function checkStructure(root: string): Violation[] {
  const violations: Violation[] = [];
  const report = (rule: string, file: string, message: string) => violations.push({ rule, file, message });

  for (const file of listFiles(root)) {
    // Prisma names migration folders <timestamp>_<name> (lib/db/migrate.ts applies them in that order).
    const name = inFolder(file, "prisma/migrations") ? null : checkName(file);
    if (name) report("file-name-case", file, `"${name}" is not kebab-case`);

    const source = fs.readFileSync(path.join(root, file), "utf8");
    const isCode = CODE.test(file);
    const code = isCode ? withoutComments(source) : "";

    if (isCode && !isTest(file) && !file.startsWith("tests/") && PRISMA_CALL.test(code)) {
      const allowed = DOMAIN_FOLDERS.some((d) => inFolder(file, d)) || file in PRISMA_ALLOWED;
      if (!allowed) {
        report(
          "prisma-outside-domain",
          file,
          "queries the database outside a domain folder; move the query to the owning lib/<domain>/data.ts",
        );
      }
    }

    if (/^lib\/[^/]+\/data\.ts$/.test(file) && WRITE_CALL.test(code)) {
      report("write-in-data", file, "writes to the database; data.ts only reads (move the write to mutations.ts)");
    }

    if (isCode && inFolder(file, "components")) {
      for (const match of code.matchAll(IMPORT_SPECIFIER)) {
        const spec = match[1]!;
        const target = spec.startsWith("@/")
          ? spec.slice(2)
          : spec.startsWith(".")
            ? path.posix.normalize(path.posix.join(path.posix.dirname(file), spec))
            : null;
        if (target && (target === "app" || target.startsWith("app/"))) {
          report("component-imports-app", file, `imports ${spec}; components may not import from app/`);
        }
      }
    }

    if (isCode && DEFAULT_EXPORT.test(code) && !DEFAULT_EXPORT_ALLOWED.some((re) => re.test(file))) {
      report("default-export", file, "has a default export; use named exports (Next's special files excepted)");
    }

    if (isCode || file.endsWith(".md")) {
      const seen = new Set<string>();
      for (const match of source.matchAll(MENTIONED_PATH)) {
        let mentioned = match[0].replace(/[.\-/]+$/, "");
        // A closing bracket belongs to the path only if it closes a [param] in it (not a Markdown link's).
        while (mentioned.endsWith("]") && mentioned.split("[").length < mentioned.split("]").length) {
          mentioned = mentioned.slice(0, -1);
        }
        const after = source[match.index + match[0].length] ?? "";
        const before = source.slice(Math.max(0, match.index - 12), match.index);
        // A pattern (lib/*, tests/authorization-*.test.ts, lib/<domain>/…) or a package import ("prisma/config").
        if ("*<{…$".includes(after) && after !== "") continue;
        if (/(?:from|import)\s*\(?\s*["']$/.test(before)) continue;
        if (seen.has(mentioned) || mentioned.endsWith("/")) continue;
        seen.add(mentioned);
        if (!pathExists(root, mentioned)) report("missing-path", file, `mentions ${mentioned}, which does not exist`);
      }
    }
  }

  for (const allowed of Object.keys(PRISMA_ALLOWED)) {
    if (!fs.existsSync(path.join(root, allowed))) {
      report("missing-path", "scripts/check-structure.ts", `PRISMA_ALLOWED names ${allowed}, which does not exist`);
    }
  }
  return violations;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = path.resolve(import.meta.dirname, "..");
  const violations = checkStructure(root);
  for (const v of violations) console.error(`${v.file}: ${v.rule}: ${v.message}`);
  if (violations.length > 0) {
    console.error(`\n${violations.length} structure violation(s); docs/architecture.md explains the rules.`);
    process.exit(1);
  }
  console.log("Structure check passed.");
}
