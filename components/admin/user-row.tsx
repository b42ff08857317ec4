"use client";

// A client component so the page's RSC payload carries this row's props, not its rendered forms:
// with a form per row the payload had doubled the page (issue 21).
import { RoleOptions } from "@/components/admin/role-options";
import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Badge, inputClass } from "@/components/ui/ui";
import { formatDate } from "@/lib/ui/format";
import {
  changeRoleAction,
  disableUserAction,
  enableUserAction,
  setPasswordAction,
  signOutEverywhereAction,
} from "@/lib/users/actions";
import type { UserAdminDto } from "@/lib/users/data";

export function UserRow({ user, isSelf }: { user: UserAdminDto; isSelf: boolean }) {
  const id = <input type="hidden" name="userId" value={user.id} />;
  return (
    <tr
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
        <ActionForm action={changeRoleAction} resetOnSuccess={false} className="flex flex-wrap items-center gap-1">
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
        </ActionForm>
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
            <ActionForm action={enableUserAction} className="flex flex-wrap gap-1">
              {id}
              <SubmitButton small variant="secondary">
                Enable
              </SubmitButton>
            </ActionForm>
          ) : (
            <ActionForm
              action={disableUserAction}
              confirm={`Disable ${user.email}? They are signed out everywhere, their API tokens are revoked and their install links stop working.`}
              className="flex flex-wrap gap-1"
            >
              {id}
              <SubmitButton small variant="danger">
                Disable
              </SubmitButton>
            </ActionForm>
          )}
          {user.disabled ? null : (
            <ActionForm
              action={signOutEverywhereAction}
              confirm={`Sign ${user.email} out everywhere? Their sessions end, their install links stop working and their API tokens are revoked (CI using them must get a new one).`}
              className="flex flex-wrap gap-1"
            >
              {id}
              <SubmitButton small variant="secondary">
                Sign out everywhere
              </SubmitButton>
            </ActionForm>
          )}
          <details className="text-sm">
            <summary className="cursor-pointer select-none text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white">
              {user.hasPassword ? "Change password" : "Add a password"}
            </summary>
            <ActionForm action={setPasswordAction} className="mt-1.5 flex flex-wrap items-center gap-1">
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
            </ActionForm>
          </details>
        </div>
      </td>
    </tr>
  );
}
