import { PostForm, type PostFormsProps, postedTo } from "@/components/ui/post-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { inputClass } from "@/components/ui/ui";
import type { GroupMemberDto } from "@/lib/groups/data";

/**
 * A member's row with its Remove button: the same on a group's card and on its
 * members page. Its outcome is shown by the list (the row is gone after it).
 */
export function GroupMemberRow({
  groupId,
  member,
  forms,
}: {
  groupId: string;
  member: GroupMemberDto;
  forms: PostFormsProps;
}) {
  return (
    <li data-testid="group-member" className="py-1.5">
      <PostForm
        action="remove-member"
        forms={forms}
        quiet
        className="flex flex-wrap items-center justify-between gap-2"
      >
        <input type="hidden" name="groupId" value={groupId} />
        <input type="hidden" name="userId" value={member.id} />
        <span className="truncate">{member.email}</span>
        <SubmitButton small variant="secondary">
          Remove
        </SubmitButton>
      </PostForm>
    </li>
  );
}

/** Adds a member to a group by email. `rowKey`: the group's id where the page's forms are keyed by it. */
export function AddMemberForm({
  group,
  forms,
  rowKey,
}: {
  group: { id: string; name: string };
  forms: PostFormsProps;
  rowKey?: string;
}) {
  // After a refused add, the email that was typed.
  const typed = postedTo(forms, "add-member", rowKey)?.values ?? {};
  return (
    <PostForm action="add-member" rowKey={rowKey} forms={forms} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="groupId" value={group.id} />
      <input
        type="email"
        name="email"
        required
        placeholder="user@example.com"
        autoComplete="off"
        defaultValue={typed.email}
        aria-label={`Member email for ${group.name}`}
        className={`${inputClass} min-w-0 flex-1`}
      />
      <SubmitButton small>Add member</SubmitButton>
    </PostForm>
  );
}
