/**
 * A real OpenID Provider for tests: panva's `oidc-provider` (the certified
 * implementation behind many production IdPs) on a free 127.0.0.1 port, with
 * one confidential client, a few accounts and a small login + consent UI that
 * a browser can fill ("Username", "Password", "Log in", then "Allow").
 *
 * Plain http on loopback is fine for a web client using the code flow (the
 * provider refuses http redirect URIs only for implicit flows); PKCE (S256) is
 * required of every client here, so a relying party that skips it fails.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import net from "node:net";
import Provider, { type Account, type Configuration } from "oidc-provider";
import { freePort } from "./ferry-server";

export type TestAccount = {
  sub: string;
  email: string;
  /** Sent as the `email_verified` claim; omitted when undefined. */
  emailVerified?: boolean;
  name: string;
  password: string;
};

export const ALICE: TestAccount = {
  sub: "alice-0001",
  email: "alice@example.com",
  emailVerified: true,
  name: "Alice Example",
  password: "alice-password",
};

export type TestOidcProvider = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Accounts by login (their email); tests may add or change entries while it runs. */
  accounts: Map<string, TestAccount>;
  stop: () => Promise<void>;
};

export type OidcProviderOptions = {
  /** The relying party's callback URLs, e.g. `${ferry}/api/auth/callback/oidc`. */
  redirectUris: string[];
  accounts?: TestAccount[];
  /** Listen here (so the issuer can be handed to the relying party before it starts); a free port otherwise. */
  port?: number;
  clientId?: string;
  clientSecret?: string;
  /**
   * oidc-provider's default (true) keeps scope-requested claims such as email
   * out of the ID token when an access token is issued: the relying party must
   * read them from the userinfo endpoint. False puts them in the ID token too.
   */
  conformIdTokenClaims?: boolean;
};

export async function startOidcProvider(options: OidcProviderOptions): Promise<TestOidcProvider> {
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = options.clientId ?? "ferry";
  const clientSecret = options.clientSecret ?? randomBytes(24).toString("base64url");
  const accounts = new Map((options.accounts ?? [ALICE]).map((a) => [a.email, a]));
  const bySub = (sub: string) => [...accounts.values()].find((a) => a.sub === sub);

  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "test-rs256", alg: "RS256", use: "sig" };

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        response_types: ["code"],
        grant_types: ["authorization_code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    conformIdTokenClaims: options.conformIdTokenClaims ?? true,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    async findAccount(_ctx, sub): Promise<Account | undefined> {
      const account = bySub(sub);
      if (!account) return undefined;
      return {
        accountId: account.sub,
        claims: () => ({
          sub: account.sub,
          email: account.email,
          ...(account.emailVerified === undefined ? {} : { email_verified: account.emailVerified }),
          name: account.name,
        }),
      };
    },
  };
  const provider = new Provider(issuer, configuration);
  const handleProtocol = provider.callback();

  async function interaction(req: http.IncomingMessage, res: http.ServerResponse, action: string | undefined) {
    const details = await provider.interactionDetails(req, res);
    const base = `/interaction/${details.uid}`;
    if (req.method === "GET" && action === undefined) {
      if (details.prompt.name === "login") return sendPage(res, 200, "Sign in", loginForm(base, null));
      if (details.prompt.name === "consent") {
        return sendPage(res, 200, "Authorize", consentForm(base, String(details.params.client_id)));
      }
      return sendPage(res, 501, "Not implemented", `<p>Prompt ${escapeHtml(details.prompt.name)}</p>`);
    }
    if (req.method !== "POST") return sendPage(res, 405, "Method not allowed", "");
    const body = new URLSearchParams(await readBody(req));

    if (action === "login" && details.prompt.name === "login") {
      const account = accounts.get((body.get("username") ?? "").trim().toLowerCase());
      if (!account || account.password !== body.get("password")) {
        return sendPage(res, 200, "Sign in", loginForm(base, "Unknown username or wrong password."));
      }
      return provider.interactionFinished(
        req,
        res,
        { login: { accountId: account.sub } },
        { mergeWithLastSubmission: false },
      );
    }

    if (action === "confirm" && details.prompt.name === "consent") {
      const { session, params, prompt } = details;
      if (!session) throw new Error("consent without a session");
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: String(params.client_id) });
      if (!grant) throw new Error("the grant to extend is gone");
      const missingScope = prompt.details.missingOIDCScope;
      if (Array.isArray(missingScope)) grant.addOIDCScope(missingScope.join(" "));
      const missingClaims = prompt.details.missingOIDCClaims;
      if (Array.isArray(missingClaims)) grant.addOIDCClaims(missingClaims as string[]);
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }

    if (action === "abort") {
      return provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "The user declined." },
        { mergeWithLastSubmission: false },
      );
    }
    return sendPage(res, 400, "Bad request", "<p>Unexpected form for this step.</p>");
  }

  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", issuer).pathname;
    const match = /^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/.exec(pathname);
    if (!match) {
      void handleProtocol(req, res);
      return;
    }
    interaction(req, res, match[2]).catch((error: unknown) => {
      if (!res.headersSent) sendPage(res, 500, "Error", `<pre>${escapeHtml(String(error))}</pre>`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function loginForm(base: string, error: string | null): string {
  return `
<h1>Sign in to the test identity provider</h1>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="${base}/login" autocomplete="off">
  <label for="username">Username</label>
  <input id="username" name="username" type="text" required autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" required>
  <button type="submit">Log in</button>
</form>
<form method="post" action="${base}/abort"><button type="submit">Cancel</button></form>`;
}

function consentForm(base: string, clientId: string): string {
  return `
<h1>Allow ${escapeHtml(clientId)} to see your email address and name?</h1>
<form method="post" action="${base}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="${base}/abort"><button type="submit">Deny</button></form>`;
}

function sendPage(res: http.ServerResponse, status: number, title: string, body: string): void {
  res.statusCode = status;
  res.setHeader("content-type", "text/html; charset=utf-8");
  res.setHeader("cache-control", "no-store");
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>${body}</body></html>`);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Holds a free port until `release()`: lets a test hand the provider's issuer
 * URL to a server that picks its own free port meanwhile, without a clash.
 */
export async function reservePort(): Promise<{ port: number; release: () => Promise<void> }> {
  const holder = net.createServer();
  await new Promise<void>((resolve, reject) => {
    holder.once("error", reject);
    holder.listen(0, "127.0.0.1", () => resolve());
  });
  const address = holder.address();
  if (!address || typeof address !== "object") throw new Error("no port");
  return { port: address.port, release: () => new Promise<void>((resolve) => holder.close(() => resolve())) };
}
