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
    holder.ferryPrisma = new PrismaClient({
      adapter,
      // Every audited change is an interactive transaction (the change and its
      // audit row commit together): Prisma's 5 s default aborts small ones on
      // a starved machine, so allow more before giving up; still bounded.
      transactionOptions: { maxWait: 10_000, timeout: 15_000 },
    });
  }
  return holder.ferryPrisma;
}

export async function disconnectPrisma(): Promise<void> {
  await holder.ferryPrisma?.$disconnect();
  holder.ferryPrisma = undefined;
}
