import { prisma } from "@/lib/db/client";

/** Instance settings changed at run time by admins (configuration that may change lives in env). */
export type Settings = {
  /** Email/password sign-in; admins switch it off once single sign-on works. */
  localLoginEnabled: boolean;
};

const DEFAULTS: Settings = { localLoginEnabled: true };

export async function getSettings(): Promise<Settings> {
  const rows = await prisma().setting.findMany();
  const stored = Object.fromEntries(rows.map((r) => [r.key, r.value]));
  return {
    localLoginEnabled:
      typeof stored.localLoginEnabled === "boolean" ? stored.localLoginEnabled : DEFAULTS.localLoginEnabled,
  };
}

export async function updateSettings(patch: Partial<Settings>): Promise<void> {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    await prisma().setting.upsert({ where: { key }, create: { key, value }, update: { value } });
  }
}
