// Per-node throttle of rrweb mutation events. A countdown timer or a
// ticker rewrites the same text node or style many times a second, which
// bloats a recording without showing the merchant anything new.

import {
  EVENT_INCREMENTAL,
  SOURCE_MUTATION,
  type RrwebEvent,
} from "../../../app/replay/event-privacy";

/**
 * Shortest gap between two recorded changes of one node's text or
 * attributes. A one-second countdown then shows every other tick; a change
 * in between is kept as the node's latest value and written at the end of
 * the gap, so the replay never ends on a stale value.
 */
export const NODE_MUTATION_INTERVAL_MS = 2000;

type Attributes = Record<string, unknown>;

interface MutationData {
  source: number;
  adds?: unknown[];
  removes?: unknown[];
  texts?: { id: number; value: unknown }[];
  attributes?: { id: number; attributes: Attributes }[];
  [key: string]: unknown;
}

export interface MutationThrottle {
  push(event: RrwebEvent): void;
  /** Writes every held change now, as before an upload. */
  flush(): void;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * Merges a later attribute change into a held one. rrweb sends `style`
 * either as the whole attribute or as an object of changed properties,
 * which only merges with another object; returns false when it cannot.
 */
function mergeAttributes(held: Attributes, later: Attributes): boolean {
  for (const name in later) {
    const before = held[name];
    const after = later[name];
    if (isPlainObject(after) && before !== undefined) {
      if (!isPlainObject(before)) return false;
      held[name] = { ...before, ...after };
    } else {
      held[name] = after;
    }
  }
  return true;
}

/**
 * Returns a throttle that passes events to `emit` in order. Additions and
 * removals always pass at once, after any held change, so no removal is
 * ever dropped or delayed.
 */
export function createMutationThrottle(options: {
  emit: (event: RrwebEvent) => void;
  now: () => number;
  intervalMs?: number;
}): MutationThrottle {
  const interval = options.intervalMs ?? NODE_MUTATION_INTERVAL_MS;
  const lastWritten = new Map<number, number>();
  const heldTexts = new Map<number, unknown>();
  const heldAttributes = new Map<number, Attributes>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  function flush() {
    clearTimeout(timer);
    timer = undefined;
    if (heldTexts.size === 0 && heldAttributes.size === 0) return;
    const now = options.now();
    const data: MutationData = {
      source: SOURCE_MUTATION,
      adds: [],
      removes: [],
      texts: [],
      attributes: [],
    };
    heldTexts.forEach((value, id) => {
      data.texts!.push({ id, value });
      lastWritten.set(id, now);
    });
    heldAttributes.forEach((attributes, id) => {
      data.attributes!.push({ id, attributes });
      lastWritten.set(id, now);
    });
    heldTexts.clear();
    heldAttributes.clear();
    options.emit({ type: EVENT_INCREMENTAL, timestamp: now, data });
  }

  function isRecent(id: number, now: number): boolean {
    const last = lastWritten.get(id);
    return last !== undefined && now - last < interval;
  }

  function push(event: RrwebEvent) {
    const data = event.data as MutationData | undefined;
    if (event.type !== EVENT_INCREMENTAL || data?.source !== SOURCE_MUTATION) {
      options.emit(event);
      return;
    }
    const now = options.now();
    if ((data.adds || []).length > 0 || (data.removes || []).length > 0) {
      flush();
      for (const text of data.texts || []) lastWritten.set(text.id, now);
      for (const change of data.attributes || []) {
        lastWritten.set(change.id, now);
      }
      options.emit(event);
      return;
    }
    const texts = (data.texts || []).filter((text) => {
      if (!isRecent(text.id, now) && !heldTexts.has(text.id)) {
        lastWritten.set(text.id, now);
        return true;
      }
      heldTexts.set(text.id, text.value);
      return false;
    });
    const attributes = (data.attributes || []).filter((change) => {
      const held = heldAttributes.get(change.id);
      if (!held && !isRecent(change.id, now)) {
        lastWritten.set(change.id, now);
        return true;
      }
      if (!held) {
        heldAttributes.set(change.id, { ...change.attributes });
      } else if (!mergeAttributes(held, change.attributes)) {
        // A whole-attribute value followed by a partial one: write the held
        // value now and keep the partial one as the start of a new hold.
        flush();
        heldAttributes.set(change.id, { ...change.attributes });
      }
      return false;
    });
    if (texts.length > 0 || attributes.length > 0) {
      options.emit({ ...event, data: { ...data, texts, attributes } });
    }
    if (!timer && (heldTexts.size > 0 || heldAttributes.size > 0)) {
      timer = setTimeout(flush, interval);
    }
  }

  return { push, flush };
}
