import type { UserRole } from "@/lib/access/roles";

/** Least to most privileged; typed by the one list of roles so a new role cannot be left out. */
const ROLE_LABELS = { member: "Member", uploader: "Uploader", admin: "Admin" } as const satisfies Record<
  UserRole,
  string
>;

/** The <option>s of a role <select>, shared by the create-user form and each user row. */
export function RoleOptions() {
  return (
    <>
      {Object.entries(ROLE_LABELS).map(([role, label]) => (
        <option key={role} value={role}>
          {label}
        </option>
      ))}
    </>
  );
}
