import type { ClickRow } from "./types";

/** Builds a button click that nothing followed, with `overrides` applied. */
export function click(overrides: Partial<ClickRow> = {}): ClickRow {
  return {
    sessionId: "s1",
    pageViewId: "p1",
    at: 0,
    x: 100,
    y: 200,
    selector: "#add-to-cart",
    targetKind: "button",
    opensNewTab: false,
    domChangeAt: null,
    scrollAt: null,
    selectionChangeAt: null,
    navigationAt: null,
    visibilityChangeAt: null,
    focusChangeAt: null,
    hiddenIntervals: [],
    ...overrides,
  };
}
