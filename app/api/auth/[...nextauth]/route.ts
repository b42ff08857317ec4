import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/auth-options";
import { requestContext } from "@/lib/http/request-context";

type Context = { params: Promise<{ nextauth: string[] }> };

// Options are built per request: the secret is resolved at boot, not at import.
async function handler(request: Request, context: Context): Promise<Response> {
  return NextAuth(authOptions(requestContext(request.headers)))(request, context) as Promise<Response>;
}

export { handler as GET, handler as POST };
