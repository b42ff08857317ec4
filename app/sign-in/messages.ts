import { SIGN_IN_ERRORS } from "@/lib/auth/auth-options";

/**
 * What the sign-in page says for each error code: the credentials provider's
 * own codes (thrown from authorize) and next-auth's, which it puts in
 * `/sign-in?error=…` after a failed single sign-on. Unknown codes get a
 * generic sentence; a code from the URL is never shown as is.
 */
export function signInErrorMessages(ssoName: string | null): Record<string, string> {
  const sso = ssoName ?? "single sign-on";
  const incomplete = `Signing in with ${sso} did not complete. Try again; if it keeps failing, tell an administrator.`;
  const serverProblem = "Sign-in failed because of a problem on the server. Try again later or tell an administrator.";
  return {
    CredentialsSignin: "The email or password is not correct.",
    [SIGN_IN_ERRORS.rateLimited]: "Too many failed attempts. Wait 15 minutes and try again.",
    [SIGN_IN_ERRORS.localDisabled]: "Email and password sign-in is switched off; use single sign-on.",
    AccessDenied: "Your account is disabled or was not allowed to sign in. Ask an administrator if you need access.",
    OAuthSignin: `Could not start signing in with ${sso}. Try again; if it keeps failing, tell an administrator.`,
    // next-auth says OAuthCallback when the provider's answer does not verify, and
    // Callback when the provider returned an error (the user cancelled or was refused there).
    OAuthCallback: incomplete,
    Callback: incomplete,
    OAuthCreateAccount: serverProblem,
    Configuration: serverProblem,
    SessionRequired: "Sign in to continue.",
    Default: "Sign-in did not work. Try again.",
  };
}

export function signInErrorMessage(code: string | undefined, messages: Record<string, string>): string | null {
  if (!code) return null;
  return (Object.hasOwn(messages, code) ? messages[code] : messages.Default) ?? null;
}
