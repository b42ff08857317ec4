import type { GetServerSideProps } from "next";
import { ChannelView, type ChannelViewProps } from "@/components/channels/channel-view";
import { NoAccess, type NoAccessProps } from "@/components/install/no-access";
import { type LitePageProps, litePageOf } from "@/components/layout/lite-page";
import { litePageProps } from "@/components/layout/shell-props";
import { getAppFor } from "@/lib/apps/data";
import { requireUserRequest } from "@/lib/auth/require-user";
import { latestBuildInChannelFor, parseChannelName } from "@/lib/channels/data";
import { env } from "@/lib/config/env";
import { DEVICE_COOKIE } from "@/lib/devices/device-cookie";
import { nodeHeaders } from "@/lib/http/request-context";
import { channelInstallUrl, channelPageUrl } from "@/lib/install-links/urls";
import { firstLaunchOf } from "@/lib/install-page/first-launch";
import { installBlockersFor } from "@/lib/install-page/load-install-page";
import { watchControlFor } from "@/lib/notifications/data";
import { classifyDevice } from "@/lib/ui/device";
import { adminContacts } from "@/lib/users/data";

/**
 * A channel's stable page (/apps/{appId}/channels/{channel}): like the install
 * page, a Pages Router page served without the React runtime.
 */
export const config = { unstable_runtimeJS: false };

type View = { channel: ChannelViewProps } | { noAccess: NoAccessProps };
type Props = LitePageProps<View>;

export const getServerSideProps: GetServerSideProps<Props, { appId: string; channel: string }> = async (context) => {
  const appId = context.params?.appId ?? "";
  const name = parseChannelName(context.params?.channel ?? "");
  if (name === null) return { notFound: true };
  const { user, redirect } = await requireUserRequest(context, `/apps/${appId}/channels/${encodeURIComponent(name)}`);
  if (redirect) return { redirect };
  const latest = await latestBuildInChannelFor(user, appId, name);
  if (!latest.channel) {
    // A link to a channel the reader cannot see (or none): who to ask; the app only if they see it.
    context.res.statusCode = 404;
    const app = await getAppFor(user, appId);
    return litePageProps(context.req, user, {
      noAccess: { what: "channel", admins: await adminContacts(), app: app && { id: app.id, name: app.name } },
    });
  }
  const { publicUrl } = env();
  const build = latest.build;
  const view: ChannelViewProps = {
    appId,
    channel: latest.channel.name,
    build: build
      ? {
          id: build.id,
          name: build.name,
          version: build.version,
          buildNumber: build.buildNumber,
          createdAt: build.createdAt,
          notes: build.notes,
        }
      : null,
    blockers: build
      ? (
          await installBlockersFor(user, build, {
            headers: nodeHeaders(context.req.headers),
            deviceCookie: context.req.cookies[DEVICE_COOKIE],
          })
        ).map(({ code, message }) => ({ code, message }))
      : [],
    firstLaunch: build ? firstLaunchOf(build) : null,
    device: classifyDevice(context.req.headers["user-agent"] ?? ""),
    pageUrl: channelPageUrl(publicUrl, appId, latest.channel.name),
    installUrl: channelInstallUrl(publicUrl, appId, latest.channel.name),
    watch: await watchControlFor(user, appId, latest.channel),
  };
  return litePageProps(context.req, user, { channel: view });
};

function ChannelPage(view: View) {
  return "channel" in view ? <ChannelView {...view.channel} /> : <NoAccess {...view.noAccess} />;
}

export default litePageOf("Channel", ChannelPage);
