/** Only same-site paths are followed after sign-in (no open redirects). */
export function safeCallbackPath(value: string | undefined | null): string {
  if (!value?.startsWith("/") || value.startsWith("//") || value.includes("\\")) return "/";
  return value;
}
