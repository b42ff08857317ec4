import type { DeviceDto } from "@/lib/devices/data";

/** Device lists for Apple's developer portal (bulk registration) and spreadsheets. */

export const APPLE_DEVICE_HEADER = "Device ID\tDevice Name\tDevice Platform";

/**
 * Text a spreadsheet would run as a formula: it starts (after any spaces) with
 * = + - @, a tab or a line break, or their fullwidth forms (＝ ＋ － ＠), which
 * some spreadsheets read as the ASCII ones. Both exports open in spreadsheets.
 */
const FORMULA_START = /^[\s\u3000]*[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

/** `text` made inert for spreadsheets: a leading apostrophe, as OWASP advises. */
export function defuseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Apple's name field: at most 50 characters, no tabs or line breaks, never a formula. */
function appleName(device: DeviceDto): string {
  const name = device.name ?? device.model ?? `Device ${device.udid.slice(0, 8)}`;
  return defuseFormula(name.replace(/[\t\r\n]+/g, " ").trim()).slice(0, 50);
}

export function appleDeviceList(devices: DeviceDto[]): string {
  return `${[APPLE_DEVICE_HEADER, ...devices.map((d) => `${defuseFormula(d.udid)}\t${appleName(d)}\tios`)].join("\n")}\n`;
}

/** A CSV cell: quoted, and text a spreadsheet would run as a formula made inert. */
function csvCell(value: string | null): string {
  return `"${defuseFormula(value ?? "").replace(/"/g, '""')}"`;
}

export function csvDeviceList(devices: DeviceDto[]): string {
  const header = "udid,name,model,ios_version,owner,registered_at";
  const rows = devices.map((d) =>
    [d.udid, d.name, d.model, d.osVersion, d.owner?.email ?? null, d.createdAt].map(csvCell).join(","),
  );
  return `${[header, ...rows].join("\r\n")}\r\n`;
}
