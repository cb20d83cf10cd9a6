// Elements a merchant excludes from rage and dead clicks, such as a control
// whose repeated clicks are expected. Entries are selectors as the capture
// builds them; an entry ending in `*` excludes everything inside.

/** Most entries a shop may keep; more would be a list of everything. */
export const MAX_EXCLUDED_SELECTORS = 50;
export const MAX_EXCLUDED_SELECTOR_LENGTH = 512;

/**
 * Tells whether a click's selector is excluded: it equals an entry, or an
 * entry ends in `*` and the selector starts with the text before the `*`
 * (`#gallery *` excludes `#gallery > img:nth-of-type(2)`).
 */
export function isExcluded(selector: string, excluded: string[]): boolean {
  return excluded.some((entry) =>
    entry.endsWith("*")
      ? selector.startsWith(entry.slice(0, -1))
      : selector === entry,
  );
}
