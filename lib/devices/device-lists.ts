import type { DeviceDto } from "@/lib/devices/data";

/** Device lists for Apple's developer portal (bulk registration) and spreadsheets. */

export const APPLE_DEVICE_HEADER = "Device ID\tDevice Name\tDevice Platform";

/** Apple's name field: at most 50 characters, no tabs or line breaks. */
function appleName(device: DeviceDto): string {
  const name = device.name ?? device.model ?? `Device ${device.udid.slice(0, 8)}`;
  return name.replace(/[\t\r\n]+/g, " ").slice(0, 50);
}

export function appleDeviceList(devices: DeviceDto[]): string {
  return `${[APPLE_DEVICE_HEADER, ...devices.map((d) => `${d.udid}\t${appleName(d)}\tios`)].join("\n")}\n`;
}

/** A CSV cell: quoted, and text a spreadsheet would run as a formula made inert. */
function csvCell(value: string | null): string {
  const text = value ?? "";
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function csvDeviceList(devices: DeviceDto[]): string {
  const header = "udid,name,model,ios_version,owner,registered_at";
  const rows = devices.map((d) =>
    [d.udid, d.name, d.model, d.osVersion, d.owner?.email ?? null, d.createdAt].map(csvCell).join(","),
  );
  return `${[header, ...rows].join("\r\n")}\r\n`;
}
