import type { GetServerSidePropsContext } from "next";
import { UsersView, type UsersViewProps } from "@/components/admin/users-view";
import { formPageProps } from "@/components/layout/form-page";
import { litePageOf } from "@/components/layout/lite-page";
import { pageQueryFromSearch } from "@/lib/http/pagination";
import { listUsersPage } from "@/lib/users/data";
import { USER_FORMS } from "@/lib/users/forms";

/**
 * Admin Users (/admin/users). A page without the React runtime: its forms are
 * plain posts to the page (lib/server-actions/plain-post.ts), so fifty rows of
 * forms are sent once as HTML, not again as a React payload (issue 21).
 */
export const config = { unstable_runtimeJS: false };

const PAGE_SIZE = 50;

export const getServerSideProps = (context: GetServerSidePropsContext) =>
  formPageProps<UsersViewProps>(
    context,
    { returnTo: "/admin/users", permission: "admin.open", forms: USER_FORMS },
    async (user, forms) => {
      const query = pageQueryFromSearch(context.query, PAGE_SIZE);
      const { items, nextCursor, total, active } = await listUsersPage(user, query);
      return { users: items, selfId: user.id, total, active, cursor: query.cursor ?? null, nextCursor, forms };
    },
  );

export default litePageOf("Users", UsersView);
