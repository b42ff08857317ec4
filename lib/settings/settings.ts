import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/policy";
import { recordChange } from "@/lib/audit/audit";
import { env } from "@/lib/config/env";
import { prisma } from "@/lib/db/client";
import { AppError } from "@/lib/errors";

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

/**
 * Switches email/password sign-in on or off. Off only while single sign-on is
 * configured, or nobody could sign in (the CLI's `local-login on` is the way
 * back if SSO breaks).
 */
export async function setLocalLogin(input: { enabled: boolean }, by: Actor): Promise<{ changed: boolean }> {
  authorize(by, "settings.manage");
  if (!input.enabled && !env().oidc) {
    throw new AppError(
      "conflict",
      "Email and password sign-in cannot be switched off: single sign-on is not configured (set OIDC_ISSUER and OIDC_CLIENT_ID), so nobody could sign in.",
    );
  }
  const before = await getSettings();
  if (before.localLoginEnabled === input.enabled) return { changed: false };
  await prisma().$transaction(async (tx) => {
    await tx.setting.upsert({
      where: { key: "localLoginEnabled" },
      create: { key: "localLoginEnabled", value: input.enabled },
      update: { value: input.enabled },
    });
    await recordChange(tx, by, {
      action: "settings.change",
      target: { type: "setting", id: "localLoginEnabled" },
      details: { setting: "localLoginEnabled", from: before.localLoginEnabled, to: input.enabled },
    });
  });
  return { changed: true };
}
