/*
 * Class names shared by the install pages, so light and dark mode keep the
 * same WCAG AA contrast everywhere (checked pairs: white on sky-700 5.9:1,
 * slate-600 on white 7.6:1, slate-300 on slate-900 12:1, sky-300 on slate-900 10:1).
 */
export const CARD = "rounded-xl border border-slate-200 bg-white dark:border-slate-700 dark:bg-slate-900";
/**
 * A card that scrolls a wide table sideways. `relative` makes it the containing block of the
 * table's absolutely positioned pieces (sr-only labels), which otherwise escape the clip and
 * widen the whole page on a phone.
 */
export const TABLE_CARD = `relative overflow-x-auto ${CARD}`;
export const MUTED = "text-slate-600 dark:text-slate-300";
export const PRIMARY_BUTTON =
  "inline-flex items-center justify-center rounded-lg bg-sky-700 px-5 py-3 text-base font-semibold text-white shadow-sm hover:bg-sky-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700";
export const LINK = "text-sky-700 underline-offset-2 hover:underline dark:text-sky-300";
