import type { ReactNode } from "react";
import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { inputClass } from "@/components/ui/ui";
import { grantAppAction, revokeAppAction } from "@/lib/apps/access-actions";

/**
 * The grant and revoke forms of an app-to-group grant, shared by the app
 * card (the app fixed, a group named) and the group card (the reverse). The
 * other side is typed, not chosen from a list: a company has hundreds of
 * groups and apps, and a list per card made the pages megabytes (issue 21).
 */

type Named = {
  name: "appName" | "groupName";
  label: string;
  placeholder: string;
  className?: string;
};

export function GrantForm({ fixed, named }: { fixed: { name: "appId" | "groupId"; value: string }; named: Named }) {
  return (
    <ActionForm action={grantAppAction} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name={fixed.name} value={fixed.value} />
      <input
        name={named.name}
        required
        autoComplete="off"
        aria-label={named.label}
        placeholder={named.placeholder}
        className={`${inputClass} ${named.className ?? ""}`}
      />
      <SubmitButton small>Grant</SubmitButton>
    </ActionForm>
  );
}

export function RevokeGrantForm({
  appId,
  groupId,
  className,
  children,
}: {
  appId: string;
  groupId: string;
  className: string;
  children: ReactNode;
}) {
  return (
    <ActionForm action={revokeAppAction} className={className}>
      <input type="hidden" name="appId" value={appId} />
      <input type="hidden" name="groupId" value={groupId} />
      {children}
      <SubmitButton small variant="secondary">
        Revoke
      </SubmitButton>
    </ActionForm>
  );
}
