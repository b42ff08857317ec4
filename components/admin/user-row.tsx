import { RoleOptions } from "@/components/admin/role-options";
import { PostForm, type PostFormsProps } from "@/components/ui/post-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Badge, inputClass } from "@/components/ui/ui";
import { formatDate } from "@/lib/ui/format";
import { rowId } from "@/lib/ui/row-id";
import type { UserAdminDto } from "@/lib/users/data";
import type { UserFormName } from "@/lib/users/forms";

/** One user on the users page: each of its forms posts to the page (lib/users/forms.ts), keyed by the user's id. */
export function UserRow({ user, isSelf, forms }: { user: UserAdminDto; isSelf: boolean; forms: PostFormsProps }) {
  const id = <input type="hidden" name="userId" value={user.id} />;
  const form = (action: UserFormName) => ({ action, rowKey: user.id, forms });
  return (
    <tr
      id={rowId("user", user.id)}
      data-testid="user-row"
      data-email={user.email}
      data-status={user.disabled ? "disabled" : "active"}
      className={`align-top ${user.disabled ? "bg-slate-50 text-slate-500 dark:bg-slate-800 dark:text-slate-400" : ""}`}
    >
      <td className="px-3 py-2">
        <p className="font-medium text-slate-900 dark:text-slate-100">
          {user.email}
          {isSelf ? (
            <span className="ml-1.5">
              <Badge color="sky">you</Badge>
            </span>
          ) : null}
        </p>
        {user.name ? <p className="text-slate-500 dark:text-slate-400">{user.name}</p> : null}
      </td>
      <td className="px-3 py-2">
        <PostForm {...form("change-role")} className="flex flex-wrap items-center gap-1">
          {id}
          <select
            key={user.role}
            name="role"
            defaultValue={user.role}
            aria-label={`Role of ${user.email}`}
            className={inputClass}
          >
            <RoleOptions />
          </select>
          <SubmitButton small variant="secondary">
            Save
          </SubmitButton>
        </PostForm>
      </td>
      <td className="px-3 py-2">
        {user.groups.length === 0 ? (
          <span className="text-slate-500 dark:text-slate-400">None</span>
        ) : (
          <ul className="flex flex-wrap gap-1">
            {user.groups.map((g) => (
              <li key={g.id}>
                <Badge>{g.name}</Badge>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td className="px-3 py-2">
        <div className="flex flex-wrap gap-1">
          {user.hasPassword ? <Badge>Password</Badge> : null}
          {user.sso ? <Badge color="indigo">SSO</Badge> : null}
          {!user.hasPassword && !user.sso ? <Badge color="amber">SSO (not yet linked)</Badge> : null}
        </div>
      </td>
      <td className="whitespace-nowrap px-3 py-2 text-slate-600 dark:text-slate-300">
        {user.lastSignInAt ? (
          formatDate(user.lastSignInAt)
        ) : (
          <span className="text-slate-500 dark:text-slate-400">Never</span>
        )}
      </td>
      <td className="px-3 py-2">
        {user.disabled ? <Badge color="red">Disabled</Badge> : <Badge color="green">Active</Badge>}
      </td>
      <td className="px-3 py-2">
        <div className="flex flex-col items-start gap-1.5">
          {user.disabled ? (
            <PostForm {...form("enable-user")} alsoShows={["disable-user"]} className="flex flex-wrap gap-1">
              {id}
              <SubmitButton small variant="secondary">
                Enable
              </SubmitButton>
            </PostForm>
          ) : (
            <PostForm
              {...form("disable-user")}
              alsoShows={["enable-user"]}
              confirm={`Disable ${user.email}? They are signed out everywhere, their API tokens are revoked and their install links stop working.`}
              className="flex flex-wrap gap-1"
            >
              {id}
              <SubmitButton small variant="danger">
                Disable
              </SubmitButton>
            </PostForm>
          )}
          {user.disabled ? null : (
            <PostForm
              {...form("sign-out-everywhere")}
              confirm={`Sign ${user.email} out everywhere? Their sessions end, their install links stop working and their API tokens are revoked (CI using them must get a new one).`}
              className="flex flex-wrap gap-1"
            >
              {id}
              <SubmitButton small variant="secondary">
                Sign out everywhere
              </SubmitButton>
            </PostForm>
          )}
          <details className="text-sm">
            <summary className="cursor-pointer select-none text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white">
              {user.hasPassword ? "Change password" : "Add a password"}
            </summary>
            <PostForm {...form("set-password")} className="mt-1.5 flex flex-wrap items-center gap-1">
              {id}
              <input
                type="password"
                name="password"
                required
                minLength={8}
                autoComplete="new-password"
                aria-label={`New password for ${user.email}`}
                className={`${inputClass} w-40`}
              />
              <SubmitButton small variant="secondary">
                Set password
              </SubmitButton>
            </PostForm>
          </details>
        </div>
      </td>
    </tr>
  );
}
