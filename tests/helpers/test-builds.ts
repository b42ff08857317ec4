/**
 * Small installable builds made on the spot (tests/helpers/generate-ipa.ts),
 * for tests about Ferry's own behaviour: they need no real-IPA corpus, so a
 * fresh clone runs them. Each carries an embedded profile (tests/helpers/test-profile.ts).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type GeneratedIpa, type GenerateIpaOptions, generateIpa } from "./generate-ipa";
import { embeddedProfile, type testProfile } from "./test-profile";

let scratch: string | null = null;
function scratchDir(): string {
  if (!scratch) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-test-builds-"));
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    scratch = dir;
  }
  return scratch;
}

export type TestBuildOptions = Partial<Omit<GenerateIpaOptions, "bundleId">> & {
  bundleId: string;
  /** The embedded profile's options (default: an in-house profile valid until 2099), or null for none. */
  profile?: Omit<Parameters<typeof testProfile>[0], "bundleId"> | null;
};

/** Writes a build to a file of its own in a per-process temp folder (removed on exit); returns its path and digest. */
export async function makeTestBuild(options: TestBuildOptions): Promise<GeneratedIpa & { path: string }> {
  const name = options.name ?? "TestApp";
  const { profile, ...rest } = options;
  const file = path.join(scratchDir(), `${name}-${randomBytes(4).toString("hex")}.ipa`);
  const extra =
    profile === null ? [] : [embeddedProfile(name, options.bundleId, { bundleId: options.bundleId, ...profile })];
  const generated = await generateIpa(file, {
    version: "1.0",
    buildNumber: "1",
    padBytes: 4096,
    ...rest,
    name,
    extraFiles: [...extra, ...(options.extraFiles ?? [])],
  });
  return { ...generated, path: file };
}
