/** Test-only: what the real-IPA corpus's expected.json says about each archive's icons. */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { fixturePath } from "@/tests/helpers/fixtures";

export const expectedIpas = z
  .object({
    ipa: z.record(
      z.string(),
      z.object({
        appDir: z.string(),
        bundleId: z.string(),
        iconNamesInPlist: z.array(z.string()),
        iconPngs: z.array(z.tuple([z.string(), z.string(), z.number()])),
        hasAssetsCar: z.boolean(),
      }),
    ),
  })
  .parse(JSON.parse(readFileSync(fixturePath("expected.json"), "utf8"))).ipa;
