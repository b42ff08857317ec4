/**
 * The one list of audit actions, grouped the way admins look for them on the
 * audit page. `AuditAction` is derived from it.
 */
export const AUDIT_ACTION_GROUPS = [
  {
    group: "Installs",
    actions: ["install_page.view", "manifest.fetch", "ipa.download", "ipa.download_complete", "build.upload"],
  },
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
  {
    group: "Apps",
    actions: [
      "app.grant",
      "app.revoke",
      "app.visibility_change",
      "app.details_change",
      "app.retention_change",
      "app.default_channel_change",
    ],
  },
  {
    group: "Builds and channels",
    actions: [
      "build.promote",
      "build.unpromote",
      "build.notes_edit",
      "build.delete",
      "channel.create",
      "channel.rename",
      "channel.delete",
      "channel.access_change",
    ],
  },
  {
    group: "Devices",
    actions: [
      "device.register",
      "device.register_refused",
      "device.reassign",
      "device.rename",
      "device.disable",
      "device.enable",
      "device.delete",
      "device.import",
    ],
  },
  {
    group: "Signing",
    actions: [
      "signing_identity.add",
      "signing_identity.delete",
      "signing_profile.add",
      "signing_profile.delete",
      "signing_profile.renew",
      "build.resign",
      "build.resign_failed",
      "app_store_connect.key_set",
      "app_store_connect.key_delete",
      "app_store_connect.sync_change",
      "app_store_connect.devices_request",
      "app_store_connect.provision",
      "app_store_connect.provision_failed",
    ],
  },
  {
    group: "Webhooks",
    actions: ["webhook.create", "webhook.delete", "webhook.enable", "webhook.disable", "webhook.test"],
  },
  {
    group: "Tokens and settings",
    actions: ["token.create", "token.revoke", "update_key.create", "update_key.revoke", "settings.change"],
  },
] as const;

export type AuditAction = (typeof AUDIT_ACTION_GROUPS)[number]["actions"][number];

export const AUDIT_ACTIONS: readonly AuditAction[] = AUDIT_ACTION_GROUPS.flatMap((g) => g.actions);

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}
