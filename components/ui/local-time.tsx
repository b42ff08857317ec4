"use client";

import { useEffect, useState } from "react";
import { formatDate, localTimeLabels } from "@/lib/ui/format";

/**
 * A moment as the reader's own clock sees it: "3 hours ago", with the local
 * date and time on hover. The server (which does not know the reader's time
 * zone) renders the UTC date; the browser replaces it after hydration, or on
 * the pages without the React runtime, public/page-script.js does (data-local-time).
 */
export function LocalTime({ iso }: { iso: string }) {
  const [local, setLocal] = useState<{ relative: string; absolute: string } | null>(null);
  useEffect(() => {
    setLocal(localTimeLabels(iso, new Date()));
  }, [iso]);
  return (
    <time dateTime={iso} title={local?.absolute ?? formatDate(iso)} data-testid="local-time" data-local-time="">
      {local?.relative ?? formatDate(iso)}
    </time>
  );
}
