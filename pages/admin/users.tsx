import type { GetServerSideProps } from "next";
import { UsersView, type UsersViewProps } from "@/components/admin/users-view";
import { type LitePageProps, litePageOf } from "@/components/layout/lite-page";
import { litePageNotFound, litePageProps } from "@/components/layout/shell-props";
import { requirePermissionRequest } from "@/lib/auth/require-user";
import { pageQueryFromSearch } from "@/lib/http/pagination";
import { csrfTokenForForms, gateRedirect, plainPostOrFlash } from "@/lib/server-actions/plain-post";
import { listUsersPage } from "@/lib/users/data";
import { USER_FORMS } from "@/lib/users/forms";

/**
 * Admin Users (/admin/users). A page without the React runtime: its forms are
 * plain posts to the page (lib/server-actions/plain-post.ts), so fifty rows of
 * forms are sent once as HTML, not again as a React payload (issue 21).
 */
export const config = { unstable_runtimeJS: false };

const PAGE_SIZE = 50;

export const getServerSideProps: GetServerSideProps<LitePageProps<UsersViewProps>> = async (context) => {
  const gate = await requirePermissionRequest(context, "/admin/users", "admin.open");
  if (gate.redirect) return { redirect: gateRedirect(context, gate.redirect) };
  if (gate.forbidden) return litePageNotFound(context, gate.user);
  const posted = await plainPostOrFlash(context, gate.user, USER_FORMS);
  if ("redirect" in posted) return posted;
  const query = pageQueryFromSearch(context.query, PAGE_SIZE);
  const { items, nextCursor, total, active } = await listUsersPage(gate.user, query);
  return litePageProps(context.req, gate.user, {
    users: items,
    selfId: gate.user.id,
    total,
    active,
    cursor: query.cursor ?? null,
    nextCursor,
    forms: { csrfToken: csrfTokenForForms(context), result: posted.result },
  });
};

export default litePageOf("Users", UsersView);
