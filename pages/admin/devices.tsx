import type { GetServerSidePropsContext } from "next";
import { AdminDevicesView, type AdminDevicesViewProps } from "@/components/devices/admin-devices-view";
import { formPageProps } from "@/components/layout/form-page";
import { litePageOf } from "@/components/layout/lite-page";
import { listAllDevicesPage } from "@/lib/devices/data";
import { DEVICE_FORMS } from "@/lib/devices/forms";
import { pageQueryFromSearch } from "@/lib/http/pagination";

/**
 * Admin Devices (/admin/devices). A page without the React runtime: its forms
 * are plain posts to the page (lib/server-actions/plain-post.ts), so fifty rows
 * of forms are sent once as HTML, not again as a React payload (issue 21).
 */
export const config = { unstable_runtimeJS: false };

const PAGE_SIZE = 50;

export const getServerSideProps = (context: GetServerSidePropsContext) =>
  formPageProps<AdminDevicesViewProps>(
    context,
    { returnTo: "/admin/devices", permission: "admin.open", forms: DEVICE_FORMS },
    async (user, forms) => {
      const query = pageQueryFromSearch(context.query, PAGE_SIZE);
      const { items, nextCursor, total, active } = await listAllDevicesPage(user, query);
      return { devices: items, total, active, cursor: query.cursor ?? null, nextCursor, forms };
    },
  );

export default litePageOf("Devices", AdminDevicesView);
