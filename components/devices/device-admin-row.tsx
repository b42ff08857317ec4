import { PostForm, type PostFormsProps, postedTo } from "@/components/ui/post-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Badge, inputClass } from "@/components/ui/ui";
import type { DeviceDto } from "@/lib/devices/data";
import { deviceModelName, osVersionLabel } from "@/lib/devices/device-names";
import type { DeviceFormName } from "@/lib/devices/forms";
import { formatDate } from "@/lib/ui/format";
import { rowId } from "@/lib/ui/row-id";

/** One device on the admin devices page: each of its forms posts to the page (lib/devices/forms.ts), keyed by its id. */
export function DeviceAdminRow({ device, forms }: { device: DeviceDto; forms: PostFormsProps }) {
  const id = <input type="hidden" name="deviceId" value={device.id} />;
  const form = (action: DeviceFormName) => ({ action, rowKey: device.id, forms });
  // After a refused rename or move, what was typed.
  const typed = (action: DeviceFormName) => postedTo(forms, action, device.id)?.values ?? {};
  return (
    <tr
      id={rowId("device", device.id)}
      data-testid="device-row"
      data-udid={device.udid}
      data-status={device.disabled ? "disabled" : "active"}
      className={`align-top ${device.disabled ? "bg-slate-50 text-slate-500 dark:bg-slate-800 dark:text-slate-400" : ""}`}
    >
      <td className="px-3 py-2">
        <PostForm {...form("rename-device")} className="flex flex-wrap items-center gap-1">
          {id}
          <input
            name="name"
            defaultValue={typed("rename-device").name ?? device.name ?? ""}
            aria-label={`Name of ${device.udid}`}
            className={inputClass}
          />
          <SubmitButton small variant="secondary">
            Rename
          </SubmitButton>
        </PostForm>
        <code className="mt-1 block break-all text-xs text-slate-500 dark:text-slate-400">{device.udid}</code>
      </td>
      <td className="px-3 py-2">
        {device.owner?.email ?? <span className="text-slate-500 dark:text-slate-400">none ({device.source})</span>}
        {/* A registered device never moves by itself (its UDID proves nothing): an admin moves it. */}
        <PostForm {...form("reassign-device")} className="mt-1 flex flex-wrap items-center gap-1">
          {id}
          <input
            name="email"
            type="email"
            required
            defaultValue={typed("reassign-device").email}
            placeholder="new owner's email"
            aria-label={`New owner of ${device.udid}`}
            className={inputClass}
          />
          <SubmitButton small variant="secondary">
            Move
          </SubmitButton>
        </PostForm>
      </td>
      <td className="px-3 py-2" title={device.model ?? undefined}>
        {device.model ? deviceModelName(device.model) : "—"}
      </td>
      <td className="px-3 py-2">{device.osVersion ? osVersionLabel(device.osVersion) : "—"}</td>
      <td className="px-3 py-2">{formatDate(device.createdAt)}</td>
      <td className="px-3 py-2">
        {device.disabled ? <Badge color="red">disabled</Badge> : <Badge color="green">active</Badge>}
      </td>
      <td className="flex flex-wrap gap-1 px-3 py-2">
        <PostForm
          {...form(device.disabled ? "enable-device" : "disable-device")}
          alsoShows={[device.disabled ? "disable-device" : "enable-device"]}
        >
          {id}
          <SubmitButton small variant="secondary">
            {device.disabled ? "Enable" : "Disable"}
          </SubmitButton>
        </PostForm>
        <PostForm {...form("delete-device")} confirm={`Delete ${device.name ?? device.udid}?`}>
          {id}
          <SubmitButton small variant="danger">
            Delete
          </SubmitButton>
        </PostForm>
      </td>
    </tr>
  );
}
