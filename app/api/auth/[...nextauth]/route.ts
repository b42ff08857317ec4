import NextAuth from "next-auth";
import { authOptions, type SessionCheck } from "@/lib/auth/auth-options";
import { errorResponse } from "@/lib/http/api-errors";
import { requestContext } from "@/lib/http/request-context";

type Context = { params: Promise<{ nextauth: string[] }> };

// Options are built per request: the secret is resolved at boot, not at import.
async function handler(request: Request, context: Context): Promise<Response> {
  const check: SessionCheck = {};
  const response = (await NextAuth(authOptions(requestContext(request.headers), check))(request, context)) as Response;
  // The database could not check the session: 503, not next-auth's "no session" that clears the cookie.
  return check.databaseError ? errorResponse(check.databaseError) : response;
}

export { handler as GET, handler as POST };
