import { NoAccess } from "@/components/install/no-access";
import { adminContacts } from "@/lib/users/data";

/**
 * A link to a build the reader cannot see (or that does not exist): who to ask
 * for access, and nothing about the build or its app (the page cannot tell the
 * two apart, which is the point).
 */
export default async function BuildNotFound() {
  return <NoAccess what="build" admins={await adminContacts()} app={null} />;
}
