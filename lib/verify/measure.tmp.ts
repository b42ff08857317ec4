import { analyzeBuild } from "@/lib/analysis/analyze-build";
import { verifyCodeSignature } from "@/lib/verify/verify-code-signature";

for (const f of process.argv.slice(2)) {
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    await analyzeBuild(f);
    const a = performance.now() - t;
    t = performance.now();
    await verifyCodeSignature(f, { extraAnchors: [] });
    const v = performance.now() - t;
    console.log(f.split("/").pop(), "analyze", a.toFixed(0), "verify", v.toFixed(0));
  }
}
