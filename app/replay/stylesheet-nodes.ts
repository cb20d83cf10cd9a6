// Stylesheets inside recorded rrweb events: where they sit and how a
// stored copy is referenced. Shared by the server, which keeps one copy of
// each stylesheet per shop, and the recorder, which skips uploading a
// stylesheet that the server already holds.

import {
  EVENT_FULL_SNAPSHOT,
  EVENT_INCREMENTAL,
  SOURCE_MUTATION,
  type RrwebEvent,
} from "./event-privacy";

/** CSS shorter than this stays inline: a reference would save little. */
export const MIN_SHARED_CSS_LENGTH = 1024;
/** Attribute that replaces an inlined stylesheet with its hash. */
export const CSS_REFERENCE = "_storelensCss";

export interface CssNode {
  type?: number;
  attributes?: Record<string, unknown>;
  childNodes?: CssNode[];
  /** Set by rrweb-snapshot on the text node inside a `<style>`. */
  isStyle?: boolean;
  textContent?: string;
  [CSS_REFERENCE]?: string;
}

/** Serialized nodes of full snapshots and added subtrees, in order. */
export function* nodesOf(events: RrwebEvent[]): Generator<CssNode> {
  const roots: CssNode[] = [];
  for (const event of events) {
    const data = event.data as {
      node?: CssNode;
      source?: number;
      adds?: { node?: CssNode }[];
    };
    if (!data) continue;
    if (event.type === EVENT_FULL_SNAPSHOT && data.node) roots.push(data.node);
    if (event.type === EVENT_INCREMENTAL && data.source === SOURCE_MUTATION) {
      for (const add of data.adds || []) if (add.node) roots.push(add.node);
    }
  }
  for (const root of roots) {
    const pending = [root];
    while (pending.length > 0) {
      const node = pending.pop()!;
      if (!node || typeof node !== "object") continue;
      yield node;
      if (Array.isArray(node.childNodes)) pending.push(...node.childNodes);
    }
  }
}

/** Returns the stylesheet hash a node refers to, if it carries one. */
export function cssReferenceOf(node: CssNode): string | undefined {
  const linked = node.attributes?.[CSS_REFERENCE];
  if (typeof linked === "string") return linked;
  const text = node[CSS_REFERENCE];
  return typeof text === "string" ? text : undefined;
}
