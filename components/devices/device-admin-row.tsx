"use client";

// A client component so the page's RSC payload carries this row's props, not its rendered forms:
// with a form per row the payload had doubled the page (issue 21).
import { ActionForm } from "@/components/ui/action-form";
import { SubmitButton } from "@/components/ui/submit-button";
import { Badge, inputClass } from "@/components/ui/ui";
import {
  deleteDeviceAction,
  disableDeviceAction,
  enableDeviceAction,
  reassignDeviceAction,
  renameDeviceAction,
} from "@/lib/devices/actions";
import type { DeviceDto } from "@/lib/devices/data";
import { deviceModelName, osVersionLabel } from "@/lib/devices/device-names";
import { formatDate } from "@/lib/ui/format";

export function DeviceAdminRow({ device }: { device: DeviceDto }) {
  const id = <input type="hidden" name="deviceId" value={device.id} />;
  return (
    <tr
      data-testid="device-row"
      data-udid={device.udid}
      data-status={device.disabled ? "disabled" : "active"}
      className={`align-top ${device.disabled ? "bg-slate-50 text-slate-500 dark:bg-slate-800 dark:text-slate-400" : ""}`}
    >
      <td className="px-3 py-2">
        <ActionForm action={renameDeviceAction} resetOnSuccess={false} className="flex flex-wrap items-center gap-1">
          {id}
          <input
            name="name"
            defaultValue={device.name ?? ""}
            aria-label={`Name of ${device.udid}`}
            className={inputClass}
          />
          <SubmitButton small variant="secondary">
            Rename
          </SubmitButton>
        </ActionForm>
        <code className="mt-1 block break-all text-xs text-slate-500 dark:text-slate-400">{device.udid}</code>
      </td>
      <td className="px-3 py-2">
        {device.owner?.email ?? <span className="text-slate-500 dark:text-slate-400">none ({device.source})</span>}
        {/* A registered device never moves by itself (its UDID proves nothing): an admin moves it. */}
        <ActionForm action={reassignDeviceAction} className="mt-1 flex flex-wrap items-center gap-1">
          {id}
          <input
            name="email"
            type="email"
            required
            placeholder="new owner's email"
            aria-label={`New owner of ${device.udid}`}
            className={inputClass}
          />
          <SubmitButton small variant="secondary">
            Move
          </SubmitButton>
        </ActionForm>
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
        <ActionForm action={device.disabled ? enableDeviceAction : disableDeviceAction}>
          {id}
          <SubmitButton small variant="secondary">
            {device.disabled ? "Enable" : "Disable"}
          </SubmitButton>
        </ActionForm>
        <ActionForm action={deleteDeviceAction} confirm={`Delete ${device.name ?? device.udid}?`}>
          {id}
          <SubmitButton small variant="danger">
            Delete
          </SubmitButton>
        </ActionForm>
      </td>
    </tr>
  );
}
