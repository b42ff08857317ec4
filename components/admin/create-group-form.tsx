import { PostForm, type PostFormsProps, postedTo } from "@/components/ui/post-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Field, inputClass } from "@/components/ui/ui";

export function CreateGroupForm({ forms }: { forms: PostFormsProps }) {
  // After a refused post, what was typed; after success, an empty form.
  const typed = postedTo(forms, "create-group")?.values ?? {};
  return (
    <PostForm
      action="create-group"
      forms={forms}
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
          defaultValue={typed.name}
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
          defaultValue={typed.description}
          className={inputClass}
        />
      </Field>
      <SubmitButton>Create group</SubmitButton>
    </PostForm>
  );
}
