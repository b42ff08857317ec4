import { AdminNavLinks } from "@/components/admin/admin-nav-links";
import { DeviceAdminRow } from "@/components/devices/device-admin-row";
import { ImportDevicesForm } from "@/components/devices/import-devices-form";
import { FormMessage } from "@/components/ui/form-message";
import { PageNav } from "@/components/ui/page-nav";
import type { PostFormsProps } from "@/components/ui/post-form";
import { Card, EmptyState, PageHeader, ScrollRegion, TableHead } from "@/components/ui/ui";
import type { DeviceDto } from "@/lib/devices/data";

export type AdminDevicesViewProps = {
  devices: DeviceDto[];
  total: number;
  active: number;
  cursor: string | null;
  nextCursor: string | null;
  forms: PostFormsProps;
};

/** Admin Devices (/admin/devices): export and import lists; each device's name, owner and status, as plain posts. */
export function AdminDevicesView({ devices, total, active, cursor, nextCursor, forms }: AdminDevicesViewProps) {
  const result = forms.result;
  // Refusals of the page itself, and a deleted device's message (its row is gone).
  const top =
    result && (result.action === "" || (result.action === "delete-device" && result.state.ok)) ? result : null;
  return (
    <div className="space-y-6">
      <AdminNavLinks pathname="/admin/devices" />
      <PageHeader title="Devices">
        {total.toLocaleString("en-US")} registered device{total === 1 ? "" : "s"}, {active.toLocaleString("en-US")}{" "}
        active. Employees register theirs from the Devices page on the phone. Export them for Apple&apos;s developer
        portal (Devices → Register Multiple Devices) and re-sign ad hoc builds with a profile that includes them.
      </PageHeader>
      {top ? <FormMessage state={top.state} /> : null}
      <p className="flex gap-4 text-sm">
        <a href="/api/v1/devices/export?format=apple" className="text-sky-700 hover:underline dark:text-sky-300">
          Export for Apple (.txt)
        </a>
        <a href="/api/v1/devices/export?format=csv" className="text-sky-700 hover:underline dark:text-sky-300">
          Export CSV
        </a>
      </p>
      <Card title="Import a device list (Apple's format)" testId="import-devices">
        <ImportDevicesForm forms={forms} />
      </Card>
      {total === 0 ? (
        <EmptyState>No registered devices yet.</EmptyState>
      ) : (
        <ScrollRegion label="Devices">
          <table className="w-full text-left text-sm" data-testid="devices-table">
            <TableHead columns={["Device", "Owner", "Model", "iOS", "Registered", "Status"]} actions />
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {devices.map((device) => (
                <DeviceAdminRow key={device.id} device={device} forms={forms} />
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      <PageNav path="/admin/devices" label="Devices pages" cursor={cursor ?? undefined} nextCursor={nextCursor} />
    </div>
  );
}
