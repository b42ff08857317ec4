import { recordOffloadedCompletion } from "@/lib/download/offload-completion";
import { publicApiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

/**
 * nginx's report that a download it sent for Ferry (DOWNLOAD_OFFLOAD=nginx) ended: post_action of
 * the internal builds location (docs/nginx/ferry.conf), everything in headers, no body read. Not for
 * clients: without the shared DOWNLOAD_OFFLOAD_SECRET a 404 (and the shipped site does not route it
 * from outside). 204 whether or not the report counted: nginx does nothing with the answer.
 */
export const POST = publicApiRoute({}, async ({ request }) => {
  await recordOffloadedCompletion(request.headers);
  return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
});
