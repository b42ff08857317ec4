import type { GetServerSidePropsContext } from "next";
import { GroupsView, type GroupsViewProps } from "@/components/admin/groups-view";
import { formPageProps } from "@/components/layout/form-page";
import { litePageOf } from "@/components/layout/lite-page";
import { countApps } from "@/lib/apps/data";
import { listGroupsPage } from "@/lib/groups/data";
import { GROUP_FORMS } from "@/lib/groups/forms";
import { pageQueryFromSearch } from "@/lib/http/pagination";

/**
 * Admin Groups (/admin/groups). A page without the React runtime: its forms
 * are plain posts to the page (lib/server-actions/plain-post.ts), so twenty
 * cards of forms are sent once as HTML, not again as a React payload (issue 21).
 */
export const config = { unstable_runtimeJS: false };

const PAGE_SIZE = 20;

export const getServerSideProps = (context: GetServerSidePropsContext) =>
  formPageProps<GroupsViewProps>(
    context,
    { returnTo: "/admin/groups", permission: "admin.open", forms: GROUP_FORMS },
    async (_user, forms) => {
      const query = pageQueryFromSearch(context.query, PAGE_SIZE);
      const [page, appCount] = await Promise.all([listGroupsPage(query), countApps()]);
      return {
        groups: page.items,
        total: page.total,
        appCount,
        cursor: query.cursor ?? null,
        nextCursor: page.nextCursor,
        forms,
      };
    },
  );

export default litePageOf("Groups", GroupsView);
