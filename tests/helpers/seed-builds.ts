import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { AuditInput } from "@/lib/audit/audit";
import { createBuildRecord } from "@/lib/builds/create-build";
import { buildStorageKey } from "@/lib/storage/build-files";
import { iconStorageKey } from "@/lib/storage/icon-files";
import { LocalStorage } from "@/lib/storage/local-storage";

/**
 * For domain tests: a build row plus real (tiny) stored files where uploads put
 * them, without going through analysis. `label` makes its bytes unique.
 */
export async function seedBuild(
  dataDir: string,
  input: { bundleId: string; label: string; uploadedById: string; channel?: string | null; notes?: string | null },
  audit?: Omit<AuditInput, "appId" | "buildId">,
) {
  const bytes = Buffer.from(`fake ipa ${input.bundleId} ${input.label}`);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const storageKey = buildStorageKey(sha256);
  const { build } = await createBuildRecord(
    {
      bundleId: input.bundleId,
      appName: input.bundleId,
      version: input.label,
      buildNumber: input.label,
      name: input.bundleId,
      minimumOsVersion: null,
      sizeBytes: bytes.length,
      sha256,
      storageKey,
      notes: input.notes ?? null,
      metadata: {},
      uploadedById: input.uploadedById,
      channel: input.channel ?? null,
    },
    async () => {
      const file = new LocalStorage(dataDir).pathOf(storageKey);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, bytes);
      for (const size of [57, 512] as const) {
        const icon = new LocalStorage(dataDir).pathOf(iconStorageKey(sha256, size));
        fs.mkdirSync(path.dirname(icon), { recursive: true });
        fs.writeFileSync(icon, "png");
      }
    },
    audit,
  );
  return build;
}

/** Whether the .ipa and the icon folder of `sha256` exist under `dataDir`. */
export function storedFilesExist(dataDir: string, sha256: string): { ipa: boolean; icons: boolean } {
  return {
    ipa: fs.existsSync(new LocalStorage(dataDir).pathOf(buildStorageKey(sha256))),
    icons: fs.existsSync(path.join(dataDir, "icons", sha256)),
  };
}
