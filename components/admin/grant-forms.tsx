import type { ReactNode } from "react";
import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { ChooseSelect } from "@/components/ui/ui";
import { grantAppAction, revokeAppAction } from "@/lib/apps/access-actions";

/**
 * The grant and revoke forms of an app-to-group grant, shared by the app
 * card (the app fixed, a group chosen) and the group card (the reverse).
 */

type Choice = {
  name: "appId" | "groupId";
  prompt: string;
  label: string;
  options: readonly { value: string; label: string }[];
  className?: string;
};

export function GrantForm({ fixed, choose }: { fixed: { name: "appId" | "groupId"; value: string }; choose: Choice }) {
  return (
    <ActionForm action={grantAppAction} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name={fixed.name} value={fixed.value} />
      <ChooseSelect {...choose} />
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
