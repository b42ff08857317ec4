import type { GetServerSidePropsContext } from "next";
import { GroupMembersView, type GroupMembersViewProps } from "@/components/admin/group-members-view";
import { formPageProps } from "@/components/layout/form-page";
import { litePageOf } from "@/components/layout/lite-page";
import { listGroupMembersPage } from "@/lib/groups/data";
import { GROUP_MEMBER_FORMS } from "@/lib/groups/forms";
import { pageQueryFromSearch } from "@/lib/http/pagination";

/** One group's members (/admin/groups/<id>), a page at a time: without the React runtime, forms as plain posts. */
export const config = { unstable_runtimeJS: false };

const PAGE_SIZE = 25;

export const getServerSideProps = (context: GetServerSidePropsContext) => {
  const groupId = String(context.params?.groupId ?? "");
  return formPageProps<GroupMembersViewProps>(
    context,
    { returnTo: `/admin/groups/${groupId}`, permission: "admin.open", forms: GROUP_MEMBER_FORMS },
    async (user, forms) => {
      const query = pageQueryFromSearch(context.query, PAGE_SIZE);
      const raw = context.query.email;
      const email = ((Array.isArray(raw) ? raw[0] : raw) ?? "").trim().slice(0, 320);
      const page = await listGroupMembersPage(user, groupId, query, email);
      if (!page) return null;
      return {
        group: page.group,
        members: page.items,
        total: page.total,
        email,
        cursor: query.cursor ?? null,
        nextCursor: page.nextCursor,
        forms,
      };
    },
  );
};

export default litePageOf("Group members", GroupMembersView);
