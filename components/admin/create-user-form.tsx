import { RoleOptions } from "@/components/admin/role-options";
import { PostForm, type PostFormsProps, postedTo } from "@/components/ui/post-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Field, inputClass } from "@/components/ui/ui";

export function CreateUserForm({ forms }: { forms: PostFormsProps }) {
  // After a refused post, what was typed (never the password); after success, an empty form.
  const typed = postedTo(forms, "create-user")?.values ?? {};
  return (
    <PostForm
      action="create-user"
      forms={forms}
      testId="create-user-form"
      label="Create a user"
      className="grid grid-cols-1 items-end gap-3 md:grid-cols-[2fr_1.5fr_1fr_1.5fr_auto]"
    >
      <Field label="Email" htmlFor="new-user-email">
        <input
          name="email"
          id="new-user-email"
          type="email"
          required
          autoComplete="off"
          defaultValue={typed.email}
          className={inputClass}
        />
      </Field>
      <Field label="Name (optional)" htmlFor="new-user-name">
        <input
          name="name"
          id="new-user-name"
          type="text"
          autoComplete="off"
          defaultValue={typed.name}
          className={inputClass}
        />
      </Field>
      <Field label="Role" htmlFor="new-user-role">
        <select name="role" id="new-user-role" defaultValue={typed.role ?? "member"} className={inputClass}>
          <RoleOptions />
        </select>
      </Field>
      <Field label="Password (optional)" htmlFor="new-user-password">
        <input
          name="password"
          id="new-user-password"
          type="password"
          autoComplete="new-password"
          minLength={8}
          className={inputClass}
        />
      </Field>
      <SubmitButton>Create user</SubmitButton>
      <p className="text-xs text-slate-500 md:col-span-5 dark:text-slate-400">
        Without a password the account can sign in only with single sign-on (it is linked by email at the first SSO
        sign-in).
      </p>
    </PostForm>
  );
}
