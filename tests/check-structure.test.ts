/**
 * scripts/check-structure.ts on a small fake repository holding one violation
 * of each rule (each must be reported, so the check cannot pass silently) and
 * the same tree with every violation fixed (nothing may be reported).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { checkStructure } from "../scripts/check-structure";

const roots: string[] = [];
after(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-structure-"));
  roots.push(root);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  return root;
}

// Spelled in pieces so this file itself mentions no missing path and calls no client.
const CALL = ["prisma", "()"].join("");
const [LIB, APP, COMPONENTS, DOCS] = ["lib", "app", "components", "docs"];

/** A tree that follows every rule. */
const CLEAN: Record<string, string> = {
  [`${LIB}/db/client.ts`]: `export function prisma() { return {}; }\n`,
  [`${LIB}/builds/data.ts`]: `import { createHash } from "node:crypto";\nexport async function countAll() { createHash("sha256").update("x"); return ${CALL}.build.count(); }\n`,
  [`${LIB}/builds/mutations.ts`]: `export async function rename() { return ${CALL}.build.update({}); }\n`,
  [`${LIB}/builds/actions.ts`]: `"use server";\nexport async function renameAction() {}\n`,
  [`${LIB}/install-links/resolve-install-token.ts`]: `export const q = () => ${CALL}.$queryRaw\`\`;\n`,
  [`${LIB}/ui/format.ts`]: `// Reads nothing: ${CALL} in a comment is not a call. See ${LIB}/builds/data.ts.\nexport const x = 1;\n`,
  [`${COMPONENTS}/builds/rename-form.tsx`]: `import { renameAction } from "@/${LIB}/builds/actions";\nexport const RenameForm = () => renameAction;\n`,
  [`${APP}/apps/[appId]/page.tsx`]: "export default function Page() { return null; }\n",
  [`${APP}/d/[token]/manifest.plist/route.ts`]: "export async function GET() {}\n",
  "pages/_document.tsx": "export default function Document() { return null; }\n",
  "prisma/migrations/20261121000000_init/migration.sql": "SELECT 1;\n",
  [`${DOCS}/architecture.md`]: `Builds live in \`${LIB}/builds/\`; each domain has \`${LIB}/<domain>/data.ts\` (see ${LIB}/*).\n`,
};

/** One violation per rule, on top of the clean tree. */
const VIOLATIONS: Record<string, { file: string; content: string; rule: string }> = {
  prismaOutsideDomain: {
    file: `${LIB}/install-links/install-link-errors.ts`,
    content: `export async function f() { return ${CALL}.build.findUnique({}); }\n`,
    rule: "prisma-outside-domain",
  },
  prismaInApp: {
    file: `${APP}/admin/page.tsx`,
    content: `export default async function Page() { await ${CALL}.user.findMany(); return null; }\n`,
    rule: "prisma-outside-domain",
  },
  writeInData: {
    file: `${LIB}/users/data.ts`,
    content: `export async function recordSignIn() { await ${CALL}.user.update({}); }\n`,
    rule: "write-in-data",
  },
  transactionWriteInData: {
    file: `${LIB}/apps/data.ts`,
    content: `export async function f() { await ${CALL}.$transaction(async (tx) => tx.app.upsert({})); }\n`,
    rule: "write-in-data",
  },
  executeRawInData: {
    file: `${LIB}/channels/data.ts`,
    content: `export async function f() { await ${CALL}.$executeRaw\`DELETE FROM x\`; }\n`,
    rule: "write-in-data",
  },
  componentImportsApp: {
    file: `${COMPONENTS}/admin/user-row.tsx`,
    content: `import { disableUserAction } from "@/app/admin/users/actions";\nexport const UserRow = () => disableUserAction;\n`,
    rule: "component-imports-app",
  },
  componentImportsAppRelative: {
    file: `${COMPONENTS}/admin/group-card.tsx`,
    content: `import { addMemberAction } from "../../app/admin/groups/actions";\nexport const GroupCard = () => addMemberAction;\n`,
    rule: "component-imports-app",
  },
  camelCaseFile: {
    file: `${LIB}/ui/formatBytes.ts`,
    content: "export const f = 1;\n",
    rule: "file-name-case",
  },
  snakeCaseFolder: {
    file: `${LIB}/build_files/store.ts`,
    content: "export const f = 1;\n",
    rule: "file-name-case",
  },
  defaultExport: {
    file: `${COMPONENTS}/ui/badge.tsx`,
    content: "export default function Badge() { return null; }\n",
    rule: "default-export",
  },
  defaultExportAs: {
    file: `${LIB}/ui/site.ts`,
    content: "const site = 1;\nexport { site as default };\n",
    rule: "default-export",
  },
  missingPathInComment: {
    file: "instrumentation.ts",
    content: `// Route handlers map theirs in ${LIB}/api/api-errors.ts.\nexport function register() {}\n`,
    rule: "missing-path",
  },
  missingPathInDocs: {
    file: `${DOCS}/upgrading.md`,
    content: `Run scripts/start${".mjs"} first.\n`,
    rule: "missing-path",
  },
};

describe("structure check", () => {
  test("a tree that follows the rules passes", () => {
    assert.deepEqual(checkStructure(tree(CLEAN)), []);
  });

  test("every kind of violation is reported, each in its own file", () => {
    const files = { ...CLEAN };
    for (const v of Object.values(VIOLATIONS)) files[v.file] = v.content;
    const found = checkStructure(tree(files));
    for (const [name, v] of Object.entries(VIOLATIONS)) {
      assert.ok(
        found.some((f) => f.rule === v.rule && f.file.startsWith(v.file.replace(/\/[^/]*$/, ""))),
        `${name}: expected ${v.rule} in ${v.file}; found ${JSON.stringify(found, null, 2)}`,
      );
    }
    // Nothing in the clean part of the tree is reported.
    const violating = new Set(Object.values(VIOLATIONS).map((v) => v.file));
    assert.deepEqual(
      found.filter((f) => !violating.has(f.file)),
      [],
    );
  });

  test("each violation alone fails the check", () => {
    for (const [name, v] of Object.entries(VIOLATIONS)) {
      const found = checkStructure(tree({ ...CLEAN, [v.file]: v.content }));
      assert.deepEqual(
        found.map((f) => [f.rule, f.file]),
        [[v.rule, v.file]],
        name,
      );
    }
  });

  test("Ferry itself passes", () => {
    const found = checkStructure(path.resolve(import.meta.dirname, ".."));
    assert.deepEqual(found, [], found.map((f) => `${f.file}: ${f.rule}: ${f.message}`).join("\n"));
  });
});
