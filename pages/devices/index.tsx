import type { GetServerSideProps } from "next";
import { MyDevicesView, type MyDevicesViewProps } from "@/components/devices/my-devices-view";
import { type LitePageProps, litePageOf } from "@/components/layout/lite-page";
import { litePageProps } from "@/components/layout/shell-props";
import { requireUserRequest } from "@/lib/auth/require-user";
import { env } from "@/lib/config/env";
import { listOwnDevices } from "@/lib/devices/data";
import { DEVICE_COOKIE, deviceOfCookie } from "@/lib/devices/device-cookie";
import { enrollmentSigner } from "@/lib/devices/enrollment";
import { safeReturnTo, withReturnTo } from "@/lib/devices/return-to";
import { classifyDevice } from "@/lib/ui/device";

/**
 * The reader's registered devices (/devices), and registering the iPhone or iPad
 * it is opened on. A Pages Router page without the React runtime, like the install
 * pages: opened on phones, and half the server time of the App Router's frame.
 */
export const config = { unstable_runtimeJS: false };

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export const getServerSideProps: GetServerSideProps<LitePageProps<MyDevicesViewProps>> = async (context) => {
  const registered = first(context.query.registered);
  const returnTo = safeReturnTo(first(context.query.returnTo));
  const { user, redirect } = await requireUserRequest(context, withReturnTo("/devices", returnTo));
  if (redirect) return { redirect };
  const [devices, current] = await Promise.all([
    listOwnDevices(user),
    deviceOfCookie(user, context.req.cookies[DEVICE_COOKIE]),
  ]);
  const userAgent = context.req.headers["user-agent"] ?? "";
  const kind = classifyDevice(userAgent);
  return litePageProps(context.req, user, {
    devices,
    currentId: current?.id ?? null,
    registered: registered ?? null,
    returnTo,
    onIos: kind === "ios" || kind === "ios-in-app",
    what: /\biPad\b/.test(userAgent) ? "iPad" : "iPhone",
    signed: enrollmentSigner() !== null,
    publicUrl: env().publicUrl,
  });
};

export default litePageOf("Devices", MyDevicesView);
