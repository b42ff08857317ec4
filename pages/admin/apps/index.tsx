import type { GetServerSidePropsContext } from "next";
import { AppsView, type AppsViewProps } from "@/components/admin/apps-view";
import { formPageProps } from "@/components/layout/form-page";
import { litePageOf } from "@/components/layout/lite-page";
import { listAppAccessPage, listAppSettings, storageUsage } from "@/lib/apps/data";
import { APP_FORMS } from "@/lib/apps/forms";
import { listChannelAccessOf } from "@/lib/channels/data";
import { countGroups } from "@/lib/groups/data";
import { pageQueryFromSearch } from "@/lib/http/pagination";

/**
 * Admin Apps (/admin/apps). A page without the React runtime: its forms are
 * plain posts to the page (lib/server-actions/plain-post.ts), so each card's
 * forms are sent once as HTML, not again as a React payload (issue 21).
 */
export const config = { unstable_runtimeJS: false };

// Each card holds the app's settings and channels: a page of them at a time (keyset by name).
const PAGE_SIZE = 10;

export const getServerSideProps = (context: GetServerSidePropsContext) =>
  formPageProps<AppsViewProps>(
    context,
    { returnTo: "/admin/apps", permission: "admin.open", forms: APP_FORMS },
    async (user, forms) => {
      const query = pageQueryFromSearch(context.query, PAGE_SIZE);
      const [page, groupCount] = await Promise.all([listAppAccessPage(user, query), countGroups()]);
      // The page's apps' settings, channels and bytes: one query each, not one per app.
      const ids = page.items.map((app) => app.id);
      const [settings, channelsOf, usage] = await Promise.all([
        listAppSettings(ids),
        listChannelAccessOf(ids),
        storageUsage(ids),
      ]);
      return {
        apps: page.items.map((access) => ({
          access,
          settings: settings.find((s) => s.id === access.id) ?? null,
          channels: channelsOf.get(access.id) ?? [],
          storedBytes: usage.perApp.get(access.id) ?? 0,
        })),
        groupCount,
        totalBytes: usage.totalBytes,
        cursor: query.cursor ?? null,
        nextCursor: page.nextCursor,
        forms,
      };
    },
  );

export default litePageOf("Apps", AppsView);
