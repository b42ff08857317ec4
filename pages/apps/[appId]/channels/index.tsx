import type { GetServerSidePropsContext } from "next";
import { ChannelsAdminView, type ChannelsAdminViewProps } from "@/components/channels/channels-admin-view";
import { formPageProps } from "@/components/layout/form-page";
import { litePageOf } from "@/components/layout/lite-page";
import { findAppById, mayPublishToApp } from "@/lib/apps/data";
import { buildsOnlyInChannel, listChannelsFor } from "@/lib/channels/data";
import { CHANNEL_FORMS } from "@/lib/channels/forms";

/**
 * An app's channels (/apps/<id>/channels), for those who may publish to it
 * (admins and its uploaders; everyone else: 404). A page without the React
 * runtime: its forms are plain posts to the page (lib/server-actions/plain-post.ts).
 */
export const config = { unstable_runtimeJS: false };

export const getServerSideProps = (context: GetServerSidePropsContext) => {
  const appId = String(context.params?.appId ?? "");
  let app: Awaited<ReturnType<typeof findAppById>> = null;
  return formPageProps<ChannelsAdminViewProps>(
    context,
    {
      returnTo: `/apps/${appId}/channels`,
      permission: async (user) => {
        app = await findAppById(appId);
        return app !== null && (await mayPublishToApp(user, app.id, "channel.rename"));
      },
      forms: CHANNEL_FORMS,
    },
    async (user, forms) => {
      if (!app) return null;
      const [channels, onlyHere] = await Promise.all([listChannelsFor(user, app.id), buildsOnlyInChannel(app.id)]);
      return {
        app: { id: app.id, name: app.name },
        channels: channels.map((channel) => ({ ...channel, onlyHere: onlyHere.get(channel.id) ?? 0 })),
        forms,
      };
    },
  );
};

export default litePageOf("Channels", ChannelsAdminView);
