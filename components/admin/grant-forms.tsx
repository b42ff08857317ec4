import type { ReactNode } from "react";
import { PostForm, type PostFormsProps, postedTo } from "@/components/ui/post-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { inputClass } from "@/components/ui/ui";

/**
 * The grant and revoke forms of an app-to-group grant (lib/apps/forms.ts
 * GRANT_FORMS), shared by the app card (the app fixed, a group named) and the
 * group card (the reverse). The other side is typed, not chosen from a list: a
 * company has hundreds of groups and apps, and a list per card made the pages
 * megabytes (issue 21). `rowKey`: the card's id, which its page's forms carry.
 */

type Named = {
  name: "appName" | "groupName";
  label: string;
  placeholder: string;
  className?: string;
};

export function GrantForm({
  fixed,
  named,
  forms,
}: {
  fixed: { name: "appId" | "groupId"; value: string };
  named: Named;
  forms: PostFormsProps;
}) {
  // After a refused grant, the name that was typed.
  const typed = postedTo(forms, "grant-app", fixed.value)?.values ?? {};
  return (
    <PostForm action="grant-app" rowKey={fixed.value} forms={forms} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name={fixed.name} value={fixed.value} />
      <input
        name={named.name}
        required
        autoComplete="off"
        aria-label={named.label}
        placeholder={named.placeholder}
        defaultValue={typed[named.name]}
        className={`${inputClass} ${named.className ?? ""}`}
      />
      <SubmitButton small>Grant</SubmitButton>
    </PostForm>
  );
}

/** Revoke: its outcome is shown once for the card (the row goes away), not under each row. */
export function RevokeGrantForm({
  appId,
  groupId,
  forms,
  className,
  children,
}: {
  appId: string;
  groupId: string;
  forms: PostFormsProps;
  className: string;
  children: ReactNode;
}) {
  return (
    <PostForm action="revoke-app" forms={forms} quiet className={className}>
      <input type="hidden" name="appId" value={appId} />
      <input type="hidden" name="groupId" value={groupId} />
      {children}
      <SubmitButton small variant="secondary">
        Revoke
      </SubmitButton>
    </PostForm>
  );
}
