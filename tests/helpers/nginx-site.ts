import fs from "node:fs";
import path from "node:path";
import { ROOT } from "./ferry-server";

/**
 * The shipped nginx site (docs/nginx/ferry.conf) minus TLS and the http→https
 * redirect, listening on `port`, proxying to the Ferry on `ferryPort` and
 * serving the internal download locations from its `dataDir`. Used by the
 * offload test and the hot-path benchmark, so both run what operators deploy.
 */
export function shippedSiteConfig(port: number, ferryPort: number, dataDir: string): string {
  let conf = fs.readFileSync(path.join(ROOT, "docs/nginx/ferry.conf"), "utf8").replace(/^\s*#.*$/gm, "");
  conf = conf
    .replace("server 127.0.0.1:3000;", `server 127.0.0.1:${ferryPort};`)
    .replaceAll("/var/lib/ferry/", `${dataDir}/`);
  conf = conf.replace(/server \{\s*listen 80;[\s\S]*?\n\}\n/, "");
  conf = conf.replace(/^\s*(listen|ssl_\w+|server_name)\b.*$/gm, "");
  if (!conf.includes("internal;") || !conf.includes("proxy_request_buffering off;")) {
    throw new Error("docs/nginx/ferry.conf changed shape: no internal location or streamed uploads");
  }
  return conf.replace("server {", `server {\n    listen 127.0.0.1:${port};`);
}
