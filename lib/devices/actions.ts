"use server";

import { revalidatePath } from "next/cache";
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
import type { ActionState } from "@/lib/server-actions/action-state";
import { runAction } from "@/lib/server-actions/run-action";

export async function renameDeviceAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema: renameDeviceSchema, fields: ["deviceId", "name"] }, async (input, actor) => {
    await renameDevice(input, actor);
    revalidatePath("/admin/devices");
    return { ok: true, message: "Renamed." };
  });
}

export async function reassignDeviceAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema: reassignDeviceSchema, fields: ["deviceId", "email"] }, async (input, actor) => {
    const device = await reassignDevice(input, actor);
    revalidatePath("/admin/devices");
    return { ok: true, message: `Now belongs to ${device.owner?.email ?? input.email}.` };
  });
}

export async function disableDeviceAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema: deviceIdSchema, fields: ["deviceId"] }, async (input, actor) => {
    await disableDevice(input, actor);
    revalidatePath("/admin/devices");
    return { ok: true, message: "Disabled." };
  });
}

export async function enableDeviceAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema: deviceIdSchema, fields: ["deviceId"] }, async (input, actor) => {
    await enableDevice(input, actor);
    revalidatePath("/admin/devices");
    return { ok: true, message: "Enabled." };
  });
}

export async function deleteDeviceAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema: deviceIdSchema, fields: ["deviceId"] }, async (input, actor) => {
    await deleteDevice(input, actor);
    revalidatePath("/admin/devices");
    return { ok: true, message: "Deleted." };
  });
}

export async function importDevicesAction(_state: ActionState, formData: FormData): Promise<ActionState> {
  return runAction(formData, { schema: importDevicesFormSchema, fields: ["list"] }, async (input, actor) => {
    const { added, existing } = await importDevices(input.list, actor);
    revalidatePath("/admin/devices");
    return { ok: true, message: `Imported ${added} device${added === 1 ? "" : "s"}; ${existing} already registered.` };
  });
}
