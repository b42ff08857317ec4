import {
  deleteDevice,
  disableDevice,
  enableDevice,
  importDevices,
  reassignDevice,
  renameDevice,
} from "@/lib/devices/mutations";
import {
  deviceIdSchema,
  importDevicesFormSchema,
  reassignDeviceSchema,
  renameDeviceSchema,
} from "@/lib/devices/schema";
import { DEVICE_IMPORT_FORM_MAX_BYTES } from "@/lib/http/body-limits";
import { formAction } from "@/lib/server-actions/form-action";
import type { PageForms } from "@/lib/server-actions/plain-post";
import { rowId } from "@/lib/ui/row-id";

/**
 * The forms of the admin devices page (pages/admin/devices.tsx), posted as
 * plain posts (lib/server-actions/plain-post.ts): each its fields, schema and
 * domain call; policy and audit are the mutations' own. The import's pasted
 * list makes this page's posts larger than other pages' (lib/http/body-limits.ts).
 */
export const DEVICE_FORMS = {
  key: "deviceId",
  anchor: (id) => rowId("device", id),
  maxBytes: DEVICE_IMPORT_FORM_MAX_BYTES,
  forms: {
    "rename-device": formAction(renameDeviceSchema, ["deviceId", "name"], async (input, actor) => {
      await renameDevice(input, actor);
      return { ok: true, message: "Renamed." };
    }),
    "reassign-device": formAction(reassignDeviceSchema, ["deviceId", "email"], async (input, actor) => {
      const device = await reassignDevice(input, actor);
      return { ok: true, message: `Now belongs to ${device.owner?.email ?? input.email}.` };
    }),
    "disable-device": formAction(deviceIdSchema, ["deviceId"], async (input, actor) => {
      await disableDevice(input, actor);
      return { ok: true, message: "Disabled." };
    }),
    "enable-device": formAction(deviceIdSchema, ["deviceId"], async (input, actor) => {
      await enableDevice(input, actor);
      return { ok: true, message: "Enabled." };
    }),
    "delete-device": formAction(deviceIdSchema, ["deviceId"], async (input, actor) => {
      await deleteDevice(input, actor);
      return { ok: true, message: "Deleted." };
    }),
    "import-devices": formAction(importDevicesFormSchema, ["list"], async (input, actor) => {
      const { added, existing } = await importDevices(input.list, actor);
      return {
        ok: true,
        message: `Imported ${added} device${added === 1 ? "" : "s"}; ${existing} already registered.`,
      };
    }),
  },
} satisfies PageForms;

export type DeviceFormName = keyof typeof DEVICE_FORMS.forms;
