import { PrismaPg } from "@prisma/adapter-pg";
import { requireDatabaseUrl } from "@/lib/config/env";
import { PrismaClient } from "@/lib/generated/prisma/client";

// One client per process; kept on globalThis so dev-mode reloads reuse it.
const holder = globalThis as typeof globalThis & { ferryPrisma?: PrismaClient };

export function prisma(): PrismaClient {
  if (!holder.ferryPrisma) {
    const adapter = new PrismaPg({
      connectionString: requireDatabaseUrl(),
      // Unreachable database: fail within seconds (mapped to 503) instead of hanging requests.
      connectionTimeoutMillis: 5_000,
    });
    holder.ferryPrisma = new PrismaClient({ adapter });
  }
  return holder.ferryPrisma;
}

export async function disconnectPrisma(): Promise<void> {
  await holder.ferryPrisma?.$disconnect();
  holder.ferryPrisma = undefined;
}
