import type { Metadata } from "next";
import { DeviceAdminRow } from "@/components/devices/device-admin-row";
import { ImportDevicesForm } from "@/components/devices/import-devices-form";
import { PageNav } from "@/components/ui/page-nav";
import { Card, EmptyState, PageHeader, ScrollRegion, TableHead } from "@/components/ui/ui";
import { requireAdminPage } from "@/lib/auth/require-user";
import { listAllDevicesPage } from "@/lib/devices/data";
import { pageQueryFromSearch } from "@/lib/http/pagination";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Devices" };

const PAGE_SIZE = 50;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function AdminDevicesPage({ searchParams }: Props) {
  const admin = await requireAdminPage("/admin/devices");
  const query = pageQueryFromSearch(await searchParams, PAGE_SIZE);
  const { items: devices, nextCursor, total, active } = await listAllDevicesPage(admin, query);
  return (
    <div className="space-y-6">
      <PageHeader title="Devices">
        {total.toLocaleString("en-US")} registered device{total === 1 ? "" : "s"}, {active.toLocaleString("en-US")}{" "}
        active. Employees register theirs from the Devices page on the phone. Export them for Apple's developer portal
        (Devices → Register Multiple Devices) and re-sign ad hoc builds with a profile that includes them.
      </PageHeader>
      <p className="flex gap-4 text-sm">
        <a href="/api/v1/devices/export?format=apple" className="text-sky-700 hover:underline dark:text-sky-300">
          Export for Apple (.txt)
        </a>
        <a href="/api/v1/devices/export?format=csv" className="text-sky-700 hover:underline dark:text-sky-300">
          Export CSV
        </a>
      </p>
      <Card title="Import a device list (Apple's format)" testId="import-devices">
        <ImportDevicesForm />
      </Card>
      {total === 0 ? (
        <EmptyState>No registered devices yet.</EmptyState>
      ) : (
        <ScrollRegion label="Devices">
          <table className="w-full text-left text-sm" data-testid="devices-table">
            <TableHead columns={["Device", "Owner", "Model", "iOS", "Registered", "Status"]} actions />
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {devices.map((device) => (
                <DeviceAdminRow key={device.id} device={device} />
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      <PageNav path="/admin/devices" label="Devices pages" cursor={query.cursor} nextCursor={nextCursor} />
    </div>
  );
}
