/**
 * Server actions over real HTTP, the way a browser calls them.
 *
 * - `serverActionIds` reads the production build's server-reference manifest:
 *   every action id (ids change with every build), its file and export name.
 * - `parseForms` reads the <form>s of a server-rendered page: which action each
 *   one posts to (React renders `$ACTION_REF_n` / `$ACTION_n:0` hidden inputs
 *   for a `useActionState` form) and what a browser would send.
 * - `invokeAction` is the JavaScript call (`Next-Action: <id>` header, the
 *   arguments encoded as React's reply: `0=[state,"$K1"]` and the form's fields
 *   as `_1_<name>`); `submitFormWithoutJs` is the progressive-enhancement post
 *   of the form's exact fields (no header: Next.js decodes `$ACTION_*` itself).
 */
import fs from "node:fs";
import path from "node:path";

export type FormField = [name: string, value: string];

export type HtmlForm = {
  /** The <form> tag's attributes (data-testid, aria-label, …). */
  attrs: Record<string, string>;
  /** The server action the form posts to, or null for a plain form. */
  actionId: string | null;
  /** What a browser submits with JavaScript off, `$ACTION_*` inputs included, in document order. */
  fields: FormField[];
};

export type ActionState = { ok?: boolean; error?: string; message?: string; token?: string } | null;

export type ActionResponse = {
  status: number;
  contentType: string;
  /** The action's return value, decoded from the RSC payload (undefined if there was none). */
  state: ActionState | undefined;
  /** Where an action that called redirect() sends the browser (Next's x-action-redirect header), if it did. */
  redirect: string | null;
  body: string;
};

export type ServerActionRef = { id: string; file: string; name: string; pages: string[] };

/** Every server action of the build in `root/.next`, keyed "file#exportName" (e.g. "lib/tokens/actions.ts#createTokenAction"). */
export function serverActionIds(root: string): Map<string, ServerActionRef> {
  const file = path.join(root, ".next", "server", "server-reference-manifest.json");
  const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as {
    node: Record<string, { filename: string; exportedName: string; workers: Record<string, unknown> }>;
  };
  const out = new Map<string, ServerActionRef>();
  for (const [id, entry] of Object.entries(manifest.node)) {
    out.set(`${entry.filename}#${entry.exportedName}`, {
      id,
      file: entry.filename,
      name: entry.exportedName,
      pages: Object.keys(entry.workers),
    });
  }
  return out;
}

/** The names a "use server" file exports (each one is a callable server action), as "file#name". */
export function exportedServerActions(root: string, files: string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const source = fs.readFileSync(path.join(root, file), "utf8");
    assertUseServer(source, file);
    for (const match of source.matchAll(
      /^export\s+(?:async\s+)?(?:function\*?|const|let|var)\s+([A-Za-z_$][\w$]*)/gm,
    )) {
      out.push(`${file}#${match[1]}`);
    }
    for (const match of source.matchAll(/^export\s*\{([^}]*)\}/gm)) {
      for (const part of match[1]!.split(",")) {
        const name = part
          .trim()
          .split(/\s+as\s+/)
          .pop()
          ?.trim();
        if (name) out.push(`${file}#${name}`);
      }
    }
    if (/^export\s+default\b/m.test(source)) out.push(`${file}#default`);
  }
  return out.sort();
}

function assertUseServer(source: string, file: string): void {
  if (!startsWithUseServer(source)) {
    throw new Error(`${file} does not start with "use server"`);
  }
}

/** The .ts/.tsx files under `dir` (relative to root) that start with "use server", recursively, relative to root. */
export function findUseServerFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (/\.tsx?$/.test(entry.name) && startsWithUseServer(fs.readFileSync(path.join(root, child), "utf8"))) {
        out.push(child);
      }
    }
  };
  walk(dir);
  return out.sort();
}

function startsWithUseServer(source: string): boolean {
  return /^\s*(?:\/\/[^\n]*\n|\/\*[\s\S]*?\*\/\s*)*["']use server["']/.test(source);
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, code: string) => {
    if (code[0] === "#") {
      const n = code[1] === "x" || code[1] === "X" ? Number.parseInt(code.slice(2), 16) : Number(code.slice(1));
      return String.fromCodePoint(n);
    }
    return ENTITIES[code.toLowerCase()] ?? all;
  });
}

function parseAttributes(tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const body = tag.replace(/^<[a-z]+/i, "").replace(/\/?>$/, "");
  for (const m of body.matchAll(/([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    attrs[m[1]!.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? "");
  }
  return attrs;
}

/** The <form>s of an HTML page with the fields a browser would submit (successful controls only). */
export function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const formMatch of html.matchAll(/(<form\b[^>]*>)([\s\S]*?)<\/form>/gi)) {
    const attrs = parseAttributes(formMatch[1]!);
    const inner = formMatch[2]!;
    const fields: FormField[] = [];
    for (const control of inner.matchAll(
      /<input\b[^>]*>|<select\b[^>]*>[\s\S]*?<\/select>|<textarea\b[^>]*>[\s\S]*?<\/textarea>/gi,
    )) {
      const text = control[0];
      const tag = /^<[a-z]+\b[^>]*>/i.exec(text)![0];
      const a = parseAttributes(tag);
      if (a.name === undefined || "disabled" in a) continue;
      if (/^<input/i.test(text)) {
        const type = (a.type ?? "text").toLowerCase();
        if (["submit", "button", "reset", "image", "file"].includes(type)) continue;
        if ((type === "checkbox" || type === "radio") && !("checked" in a)) continue;
        fields.push([a.name, a.value ?? (type === "checkbox" || type === "radio" ? "on" : "")]);
      } else if (/^<select/i.test(text)) {
        const options = [...text.matchAll(/<option\b[^>]*>([\s\S]*?)<\/option>/gi)].map((o) => {
          const oa = parseAttributes(/^<option\b[^>]*>/i.exec(o[0])![0]);
          return { value: oa.value ?? decodeEntities(o[1]!.replace(/<[^>]*>/g, "")), selected: "selected" in oa };
        });
        const chosen = options.find((o) => o.selected) ?? options[0];
        if (chosen) fields.push([a.name, chosen.value]);
      } else {
        fields.push([a.name, decodeEntities(text.replace(/^<textarea\b[^>]*>/i, "").replace(/<\/textarea>$/i, ""))]);
      }
    }
    forms.push({ attrs, actionId: actionIdOf(fields), fields });
  }
  return forms;
}

function actionIdOf(fields: FormField[]): string | null {
  for (const [name, value] of fields) {
    if (name.startsWith("$ACTION_ID_")) return name.slice("$ACTION_ID_".length);
    if (/^\$ACTION_\d+:0$/.test(name)) {
      const parsed = JSON.parse(value) as { id?: unknown };
      if (typeof parsed.id === "string") return parsed.id;
    }
  }
  return null;
}

/** The fields a user fills in (the `$ACTION_*` bookkeeping inputs left out). */
export function userFields(form: HtmlForm): FormField[] {
  return form.fields.filter(([name]) => !name.startsWith("$ACTION_"));
}

/**
 * Replaces fields: each key of `values` drops every field of that name, then
 * adds one field per value (an array for repeated names, e.g. checkboxes).
 */
export function withFields(fields: FormField[], values: Record<string, string | string[]>): FormField[] {
  const out = fields.filter(([name]) => !(name in values));
  for (const [name, value] of Object.entries(values)) {
    for (const v of Array.isArray(value) ? value : [value]) out.push([name, v]);
  }
  return out;
}

/**
 * Calls a `(state, formData)` server action the way React does from a
 * `useActionState` form: POST to the page with `Next-Action: <id>` and the
 * arguments `[state, formData]` encoded as a React reply.
 */
export async function invokeAction(
  baseUrl: string,
  options: {
    path: string;
    actionId: string;
    fields: FormField[];
    cookie?: string;
    origin?: string | null;
    previousState?: unknown;
  },
): Promise<ActionResponse> {
  const body = new FormData();
  for (const [name, value] of options.fields) body.append(`_1_${name}`, value);
  body.append("0", JSON.stringify([options.previousState ?? null, "$K1"]));
  const origin = options.origin === undefined ? baseUrl : options.origin;
  const res = await fetch(`${baseUrl}${options.path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      accept: "text/x-component",
      "next-action": options.actionId,
      ...(origin ? { origin } : {}),
      ...(options.cookie ? { cookie: options.cookie } : {}),
    },
    body,
  });
  const text = await res.text();
  const contentType = res.headers.get("content-type") ?? "";
  return {
    status: res.status,
    contentType,
    state: contentType.startsWith("text/x-component") ? actionResult(text) : undefined,
    // The header reads "<path>;<push|replace>".
    redirect: res.headers.get("x-action-redirect")?.split(";")[0] ?? null,
    body: text,
  };
}

/** The value an action returned, from a flight payload like `0:{"a":"$@1",…}\n1:{"error":"…"}`. */
export function actionResult(payload: string): ActionState | undefined {
  const rows = new Map<string, string>();
  for (const line of payload.split("\n")) {
    const m = /^([0-9a-f]+):(.*)$/.exec(line);
    if (m) rows.set(m[1]!, m[2]!);
  }
  const root = rows.get("0");
  if (!root) return undefined;
  let value: unknown;
  try {
    value = (JSON.parse(root) as { a?: unknown }).a;
  } catch {
    return undefined;
  }
  if (typeof value === "string" && value.startsWith("$@")) {
    const row = rows.get(value.slice(2));
    if (row === undefined) return undefined;
    try {
      value = JSON.parse(row);
    } catch {
      return undefined;
    }
  }
  return value as ActionState;
}

/**
 * Posts a form's exact fields (`$ACTION_*` inputs included) as multipart
 * without the Next-Action header: what a browser with JavaScript off sends.
 */
export async function submitFormWithoutJs(
  baseUrl: string,
  options: { path: string; fields: FormField[]; cookie?: string },
): Promise<{ status: number; location: string | null; html: string }> {
  const body = new FormData();
  for (const [name, value] of options.fields) body.append(name, value);
  const res = await fetch(`${baseUrl}${options.path}`, {
    method: "POST",
    redirect: "manual",
    headers: { origin: baseUrl, ...(options.cookie ? { cookie: options.cookie } : {}) },
    body,
  });
  return { status: res.status, location: res.headers.get("location"), html: await res.text() };
}

/**
 * A CSRF token and its cookie as a browser gets them (next-auth's /api/auth/csrf): what a page's
 * plain-post forms (lib/server-actions/plain-post.ts) carry, bound to that cookie.
 */
export async function csrfPair(baseUrl: string): Promise<{ cookie: string; token: string }> {
  const res = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .find((c) => c.includes("csrf-token="));
  if (!cookie) throw new Error("no CSRF cookie from /api/auth/csrf");
  return { cookie, token: csrfToken };
}

/**
 * A plain-post form of a page without the React runtime, sent as a browser sends it: url-encoded to
 * the page, `csrfToken` replaced by the sender's own (a fresh pair unless `csrf` is given; `null`: none).
 */
export async function postPlainForm(
  baseUrl: string,
  options: {
    path: string;
    fields: FormField[];
    cookie?: string;
    origin?: string | null;
    csrf?: { cookie: string; token: string } | null;
  },
): Promise<{ status: number; location: string | null; html: string; cookies: string[] }> {
  const csrf = options.csrf === undefined ? await csrfPair(baseUrl) : options.csrf;
  const fields = options.fields.filter(([name]) => name !== "csrfToken");
  if (csrf) fields.push(["csrfToken", csrf.token]);
  const cookie = [options.cookie, csrf?.cookie].filter(Boolean).join("; ");
  const origin = options.origin === undefined ? baseUrl : options.origin;
  const res = await fetch(`${baseUrl}${options.path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(origin ? { origin } : {}),
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(fields),
  });
  return {
    status: res.status,
    location: res.headers.get("location"),
    html: await res.text(),
    cookies: res.headers.getSetCookie(),
  };
}

/** The `_action` of a plain-post form (components/ui/post-form.tsx), if it is one. */
export function plainFormAction(form: HtmlForm): string | null {
  return form.fields.find(([name]) => name === "_action")?.[1] ?? null;
}
