/**
 * An embedded.mobileprovision for generated test builds, so they install
 * (a build without a profile is one iOS refuses, and Ferry offers no link).
 * A bare XML plist: Ferry reads it as "unsigned", which is not a blocker.
 */
import { build } from "plist";

export function testProfile(options: {
  bundleId: string;
  type?: "enterprise" | "ad-hoc";
  teamName?: string;
  expires?: Date;
  /** Defaults to TEST123456. */
  teamId?: string;
  uuid?: string;
  name?: string;
  /** DER certificates the profile lets sign (DeveloperCertificates). */
  certificates?: Buffer[];
  /** Entitlements on top of application-identifier and get-task-allow. */
  entitlements?: Record<string, unknown>;
  getTaskAllow?: boolean;
}): string {
  const team = options.teamId ?? "TEST123456";
  return build({
    Name: options.name ?? `Ferry test ${options.type ?? "enterprise"}`,
    UUID: options.uuid ?? "00000000-0000-4000-8000-000000000001",
    TeamName: options.teamName ?? "Example Corp",
    TeamIdentifier: [team],
    CreationDate: new Date("2025-01-01T00:00:00Z"),
    ExpirationDate: options.expires ?? new Date("2099-01-01T00:00:00Z"),
    Platform: ["iOS"],
    ...(options.certificates ? { DeveloperCertificates: options.certificates } : {}),
    Entitlements: {
      "application-identifier": `${team}.${options.bundleId}`,
      "get-task-allow": options.getTaskAllow ?? false,
      ...(options.entitlements ?? {}),
    } as Record<string, string | boolean>,
    ...(options.type === "ad-hoc"
      ? { ProvisionedDevices: ["00008030-000000000000001E"] }
      : { ProvisionsAllDevices: true }),
  });
}

/** The extraFiles entry of generateIpa that embeds `testProfile` in `<name>.app`. */
export function embeddedProfile(
  name: string,
  bundleId: string,
  options: Parameters<typeof testProfile>[0] | null = null,
) {
  return { path: `Payload/${name}.app/embedded.mobileprovision`, data: testProfile(options ?? { bundleId }) };
}
