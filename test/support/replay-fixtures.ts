// Fixtures shared by the recorder's and the recording endpoint's tests.

import type { RrwebEvent } from "../../app/replay/event-privacy";

/**
 * Builds an rrweb full snapshot of a document with one `<link>` and one
 * `<style>`. `link` adds attributes to the link (such as `_cssText`) and
 * `styleText` fields to the style's text node (such as `textContent`).
 */
export function stylesheetSnapshot(
  at: number,
  link: Record<string, unknown>,
  styleText: Record<string, unknown>,
): RrwebEvent {
  return {
    type: 2,
    timestamp: at,
    data: {
      node: {
        type: 0,
        id: 1,
        childNodes: [
          {
            type: 2,
            id: 2,
            tagName: "link",
            attributes: { rel: "stylesheet", ...link },
            childNodes: [],
          },
          {
            type: 2,
            id: 3,
            tagName: "style",
            attributes: {},
            childNodes: [{ type: 3, id: 4, isStyle: true, ...styleText }],
          },
        ],
      },
      initialOffset: { top: 0, left: 0 },
    },
  };
}

/** Creates a `Storage` stand-in that keeps its items in memory. */
export function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  } as unknown as Storage;
}
