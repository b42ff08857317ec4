import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Field, inputClass } from "@/components/ui/ui";
import { createGroupAction } from "@/lib/groups/actions";

export function CreateGroupForm() {
  return (
    <ActionForm
      action={createGroupAction}
      testId="create-group-form"
      label="Create a group"
      className="grid grid-cols-1 items-end gap-3 md:grid-cols-[1fr_2fr_auto]"
    >
      <Field label="Group name" htmlFor="new-group-name">
        <input
          name="name"
          id="new-group-name"
          type="text"
          required
          maxLength={100}
          autoComplete="off"
          className={inputClass}
        />
      </Field>
      <Field label="Description (optional)" htmlFor="new-group-description">
        <input
          name="description"
          id="new-group-description"
          type="text"
          maxLength={500}
          autoComplete="off"
          className={inputClass}
        />
      </Field>
      <SubmitButton>Create group</SubmitButton>
    </ActionForm>
  );
}
