import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { inputClass } from "@/components/ui/ui";
import { addMemberAction, removeMemberAction } from "@/lib/groups/actions";
import type { GroupMemberDto } from "@/lib/groups/data";

/** A member's row with its Remove button: the same on a group's card and on its members page. */
export function GroupMemberRow({ groupId, member }: { groupId: string; member: GroupMemberDto }) {
  return (
    <li data-testid="group-member" className="py-1.5">
      <ActionForm action={removeMemberAction} className="flex flex-wrap items-center justify-between gap-2">
        <input type="hidden" name="groupId" value={groupId} />
        <input type="hidden" name="userId" value={member.id} />
        <span className="truncate">{member.email}</span>
        <SubmitButton small variant="secondary">
          Remove
        </SubmitButton>
      </ActionForm>
    </li>
  );
}

/** Adds a member to a group by email. */
export function AddMemberForm({ group }: { group: { id: string; name: string } }) {
  return (
    <ActionForm action={addMemberAction} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="groupId" value={group.id} />
      <input
        type="email"
        name="email"
        required
        placeholder="user@example.com"
        autoComplete="off"
        aria-label={`Member email for ${group.name}`}
        className={`${inputClass} min-w-0 flex-1`}
      />
      <SubmitButton small>Add member</SubmitButton>
    </ActionForm>
  );
}
