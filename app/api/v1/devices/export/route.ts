import { getBuildByIdFor } from "@/lib/builds/data";
import { type DeviceDto, listAllDevices, provisionedUdids } from "@/lib/devices/data";
import { appleDeviceList, csvDeviceList } from "@/lib/devices/device-lists";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

/**
 * Admins: the active registered devices as Apple's bulk-registration file
 * (`format=apple`, the default) or CSV; with `buildId`, only those missing
 * from that build's profile (what to add before re-signing).
 */
export const GET = apiRoute({ permission: "device.export" }, async ({ request, user }) => {
  const params = new URL(request.url).searchParams;
  const format = params.get("format") ?? "apple";
  if (format !== "apple" && format !== "csv") throw new AppError("bad_request", "format must be apple or csv.");
  let devices: DeviceDto[] = (await listAllDevices(user)).filter((d) => !d.disabled);
  const buildId = params.get("buildId");
  let suffix = "";
  if (buildId) {
    const build = await getBuildByIdFor(user, buildId);
    if (!build) throw new AppError("not_found", "No such build.");
    const udids = provisionedUdids(build);
    if (!udids)
      throw new AppError("bad_request", "This build is not limited to listed devices (not ad hoc or development).");
    devices = devices.filter((d) => !udids.has(d.udid));
    suffix = `-missing-${build.version}-${build.buildNumber}`.replace(/[^A-Za-z0-9._-]/g, "_");
  }
  const apple = format === "apple";
  return new Response(apple ? appleDeviceList(devices) : csvDeviceList(devices), {
    headers: {
      "Content-Type": apple ? "text/plain; charset=utf-8" : "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="ferry-devices${suffix}.${apple ? "txt" : "csv"}"`,
      "Cache-Control": "private, no-store",
    },
  });
});
