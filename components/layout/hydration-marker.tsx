"use client";

import { useEffect } from "react";

/**
 * Sets `<html data-hydrated>` once React has hydrated the page and run its
 * initial effects: effects run children first and siblings in order, so this
 * one, last in `<body>`, runs after every other. Browser tests wait on it
 * (tests/helpers/browser.ts) instead of on React internals or a fixed delay.
 */
export function HydrationMarker() {
  useEffect(() => {
    // A frame later, so that renders the other effects asked for (setState) have been committed too.
    const frame = requestAnimationFrame(() => document.documentElement.setAttribute("data-hydrated", ""));
    return () => cancelAnimationFrame(frame);
  }, []);
  return null;
}
