import type { GetServerSideProps } from "next";
import { AppInstallView } from "@/components/install/app-install-view";
import { NoAccess, type NoAccessProps } from "@/components/install/no-access";
import { type LitePageProps, litePageOf } from "@/components/layout/lite-page";
import { litePageProps } from "@/components/layout/shell-props";
import { requireUserRequest } from "@/lib/auth/require-user";
import { DEVICE_COOKIE } from "@/lib/devices/device-cookie";
import { nodeHeaders } from "@/lib/http/request-context";
import { type AppInstallViewProps, loadAppInstallPage } from "@/lib/install-page/load-install-page";
import { adminContacts } from "@/lib/users/data";

/**
 * The install page (/apps/{appId}): employees on iPhones pick a version and tap
 * Install. A Pages Router page so that it ships without the React runtime
 * (≤ 100 KB on a cold cache, tests/e2e-iphone.test.ts): everything is decided
 * on the server (lib/install-page/load-install-page.ts); the view is plain
 * HTML plus public/page-script.js.
 */
export const config = { unstable_runtimeJS: false };

type View = { install: AppInstallViewProps } | { noAccess: NoAccessProps };
type Props = LitePageProps<View>;

export const getServerSideProps: GetServerSideProps<Props, { appId: string }> = async (context) => {
  const appId = context.params?.appId ?? "";
  const { user, redirect } = await requireUserRequest(context, `/apps/${appId}`);
  if (redirect) return { redirect };
  const view = await loadAppInstallPage(user, appId, {
    headers: nodeHeaders(context.req.headers),
    deviceCookie: context.req.cookies[DEVICE_COOKIE],
    cursor: typeof context.query.cursor === "string" && context.query.cursor ? context.query.cursor : undefined,
  });
  if (!view) {
    // A link to an app the reader cannot see (or none): who to ask, and nothing about the app.
    context.res.statusCode = 404;
    return litePageProps(context.req, user, { noAccess: { what: "app", admins: await adminContacts(), app: null } });
  }
  return litePageProps(context.req, user, { install: view });
};

function AppPage(view: View) {
  return "install" in view ? <AppInstallView {...view.install} /> : <NoAccess {...view.noAccess} />;
}

export default litePageOf("App", AppPage);
