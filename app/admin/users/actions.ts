"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { type ActionState, formFields, idField, parseForm } from "@/lib/admin/action-state";
import { runAction } from "@/lib/admin/guard";
import { recordAudit } from "@/lib/audit/audit";
import {
  createUser as createUserRecord,
  disableUser as disableUserRecord,
  enableUser as enableUserRecord,
  findUserById,
  revokeSessions,
  setPassword as setPasswordRecord,
  setUserRole,
} from "@/lib/users/users";

const ROLES = ["admin", "uploader", "member"] as const;
const roleField = z.enum(ROLES, { message: "Choose a role: admin, uploader or member." });
const passwordField = z
  .string()
  .min(8, "The password must be at least 8 characters.")
  .max(1024, "The password must be at most 1024 characters.");

function revalidate(): void {
  revalidatePath("/admin/users");
  revalidatePath("/admin/groups");
}

const createSchema = z.object({
  email: z
    .string()
    .trim()
    .min(1, "Enter the user's email address.")
    .max(320, "The email address is too long.")
    .pipe(z.email({ message: "Enter a valid email address, e.g. jane@example.com." })),
  name: z
    .string()
    .trim()
    .max(200, "The name must be at most 200 characters.")
    .transform((v) => v || undefined),
  role: roleField,
  password: z
    .string()
    .transform((v) => v || undefined)
    .pipe(passwordField.optional()),
});

export async function createUser(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: true }, async ({ user: admin, context }) => {
    const parsed = parseForm(createSchema, formFields(formData, ["email", "name", "role", "password"]));
    if ("error" in parsed) return { error: parsed.error };
    const { email, name, role, password } = parsed.data;
    const created = await createUserRecord({ email, name, role, password });
    await recordAudit({
      action: "user.create",
      actor: admin,
      target: { type: "user", id: created.id },
      context,
      details: { email: created.email, role: created.role, password: password !== undefined },
    });
    revalidate();
    return {
      ok: true,
      message: password
        ? `Created ${created.email}. They can sign in with the password you set.`
        : `Created ${created.email}. Without a password they can sign in only with single sign-on.`,
    };
  });
}

const roleSchema = z.object({ userId: idField("user"), role: roleField });

export async function changeRole(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: true }, async ({ user: admin, context }) => {
    const parsed = parseForm(roleSchema, formFields(formData, ["userId", "role"]));
    if ("error" in parsed) return { error: parsed.error };
    const { userId, role } = parsed.data;
    const target = await findUserById(userId);
    if (!target) return { error: "This user no longer exists: reload the page." };
    if (target.id === admin.id && role !== "admin") {
      return { error: "You cannot remove your own admin role. Ask another admin to do it." };
    }
    if (target.role === role) return { ok: true, message: `${target.email} is already ${article(role)} ${role}.` };
    await setUserRole(target.id, role);
    await recordAudit({
      action: "user.role_change",
      actor: admin,
      target: { type: "user", id: target.id },
      context,
      details: { email: target.email, from: target.role, to: role },
    });
    revalidate();
    return { ok: true, message: `${target.email} is now ${article(role)} ${role}.` };
  });
}

const userSchema = z.object({ userId: idField("user") });

export async function disableUser(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: true }, async ({ user: admin, context }) => {
    const parsed = parseForm(userSchema, formFields(formData, ["userId"]));
    if ("error" in parsed) return { error: parsed.error };
    const target = await findUserById(parsed.data.userId);
    if (!target) return { error: "This user no longer exists: reload the page." };
    if (target.id === admin.id) return { error: "You cannot disable your own account." };
    if (target.disabled) return { ok: true, message: `${target.email} is already disabled.` };
    await disableUserRecord(target.id);
    await recordAudit({
      action: "user.disable",
      actor: admin,
      target: { type: "user", id: target.id },
      context,
      details: { email: target.email },
    });
    revalidate();
    return { ok: true, message: `Disabled ${target.email}: signed out everywhere, API tokens revoked.` };
  });
}

export async function enableUser(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: true }, async ({ user: admin, context }) => {
    const parsed = parseForm(userSchema, formFields(formData, ["userId"]));
    if ("error" in parsed) return { error: parsed.error };
    const target = await findUserById(parsed.data.userId);
    if (!target) return { error: "This user no longer exists: reload the page." };
    if (!target.disabled) return { ok: true, message: `${target.email} is already active.` };
    await enableUserRecord(target.id);
    await recordAudit({
      action: "user.enable",
      actor: admin,
      target: { type: "user", id: target.id },
      context,
      details: { email: target.email },
    });
    revalidate();
    return { ok: true, message: `Enabled ${target.email}. Their old API tokens and install links stay revoked.` };
  });
}

export async function signOutEverywhere(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: true }, async ({ user: admin, context }) => {
    const parsed = parseForm(userSchema, formFields(formData, ["userId"]));
    if ("error" in parsed) return { error: parsed.error };
    const target = await findUserById(parsed.data.userId);
    if (!target) return { error: "This user no longer exists: reload the page." };
    await revokeSessions(target.id);
    await recordAudit({
      action: "user.sessions_revoke",
      actor: admin,
      target: { type: "user", id: target.id },
      context,
      details: { email: target.email },
    });
    revalidate();
    return { ok: true, message: `Signed ${target.email} out everywhere; their install links stopped working.` };
  });
}

const passwordSchema = z.object({ userId: idField("user"), password: passwordField });

export async function setPassword(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction({ adminOnly: true }, async ({ user: admin, context }) => {
    const parsed = parseForm(passwordSchema, formFields(formData, ["userId", "password"]));
    if ("error" in parsed) return { error: parsed.error };
    const target = await findUserById(parsed.data.userId);
    if (!target) return { error: "This user no longer exists: reload the page." };
    await setPasswordRecord(target.id, parsed.data.password);
    await recordAudit({
      action: "user.password_set",
      actor: admin,
      target: { type: "user", id: target.id },
      context,
      details: { email: target.email },
    });
    revalidate();
    return { ok: true, message: `Password set for ${target.email}.` };
  });
}

function article(role: string): string {
  return role === "admin" || role === "uploader" ? "an" : "a";
}
