import { appIdOfBuild } from "@/lib/builds/data";
import { escapeHtml } from "@/lib/builds/markdown";
import { env, requireAuthSecret } from "@/lib/config/env";
import { AppError } from "@/lib/errors";
import { errorResponse } from "@/lib/http/api-errors";
import { verifyInstallToken } from "@/lib/install-links/install-token";
import { buildPageUrl } from "@/lib/install-links/urls";

/**
 * /d/<token>/… is fetched by iOS's install daemon, which needs plain errors,
 * but people also open these links in a browser (a forwarded link, an old tab).
 * A browser gets a short page saying what happened and linking to the build's
 * page, where a fresh link is minted; the daemon keeps getting JSON errors.
 */

// iOS's installer fetches with UAs like "itunesstored/1.0 iOS/17.0" or "com.apple.appstored/1.0".
const INSTALL_DAEMON = /itunesstored|appstored|com\.apple\.|CFNetwork|Darwin\//i;

export function isBrowserRequest(headers: { get(name: string): string | null }): boolean {
  const accept = headers.get("accept") ?? "";
  const userAgent = headers.get("user-agent") ?? "";
  return /\btext\/html\b/i.test(accept) && /Mozilla\//.test(userAgent) && !INSTALL_DAEMON.test(userAgent);
}

const MESSAGES: Record<string, { title: string; text: string }> = {
  expired_token: {
    title: "This install link has expired",
    text: "Install links are personal and expire after a while. Open the build's page to get a fresh one.",
  },
  invalid_token: { title: "This install link is not valid", text: "It may have been copied incompletely." },
  forbidden: {
    title: "This install link no longer works",
    text: "Its owner signed out everywhere, changed their password or was disabled. Open the build's page to get a fresh one.",
  },
  not_found: {
    title: "This build is no longer available",
    text: "It was deleted, or you no longer have access to it.",
  },
};

/** The build page a genuine token (expired or not) points at, if the build still exists. */
async function buildPageFor(token: string): Promise<string | null> {
  try {
    // Epoch as "now": accepts any genuine token regardless of expiry; forged ones still throw.
    const claims = verifyInstallToken(token, requireAuthSecret(), new Date(0));
    const appId = await appIdOfBuild(claims.buildId);
    return appId ? buildPageUrl(env().publicUrl, appId, claims.buildId) : null;
  } catch {
    return null;
  }
}

export async function installLinkErrorPage(error: AppError, token: string): Promise<Response> {
  const message = MESSAGES[error.code] ?? { title: "This install link does not work", text: error.message };
  const page = await buildPageFor(token);
  const link = page ?? env().publicUrl;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(message.title)} · Ferry</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #0f172a">
<h1 style="font-size: 1.4rem">${escapeHtml(message.title)}</h1>
<p>${escapeHtml(message.text)}</p>
<p><a href="${escapeHtml(link)}">${page ? "Open the build's page" : "Open Ferry"}</a></p>
</body></html>`;
  return new Response(html, {
    status: error.status,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "private, no-store",
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

/** Like withApiErrors for the /d/<token>/… routes: browsers get a page, iOS' daemon JSON. */
export function withInstallLinkErrors<Context extends { params: Promise<{ token: string }> }>(
  handler: (request: Request, context: Context) => Promise<Response>,
): (request: Request, context: Context) => Promise<Response> {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      if (error instanceof AppError && request.method === "GET" && isBrowserRequest(request.headers)) {
        return installLinkErrorPage(error, (await context.params).token);
      }
      return errorResponse(error);
    }
  };
}
