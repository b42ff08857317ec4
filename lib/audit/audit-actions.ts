import type { AuditAction } from "@/lib/audit/audit";

/** Every audit action, for the audit page's filter (grouped the way admins look for them). */
export const AUDIT_ACTIONS: readonly { group: string; actions: readonly AuditAction[] }[] = [
  { group: "Installs", actions: ["install_page.view", "manifest.fetch", "ipa.download", "build.upload"] },
  { group: "Sign-in", actions: ["sign_in.success", "sign_in.failure", "sign_in.rate_limited"] },
  {
    group: "Users",
    actions: [
      "user.create",
      "user.role_change",
      "user.disable",
      "user.enable",
      "user.sessions_revoke",
      "user.password_set",
    ],
  },
  { group: "Groups", actions: ["group.create", "group.delete", "group.member_add", "group.member_remove"] },
  { group: "Apps", actions: ["app.grant", "app.revoke", "app.visibility_change"] },
  { group: "Tokens and settings", actions: ["token.create", "token.revoke", "settings.change"] },
];

export const ALL_AUDIT_ACTIONS: readonly string[] = AUDIT_ACTIONS.flatMap((g) => g.actions);
