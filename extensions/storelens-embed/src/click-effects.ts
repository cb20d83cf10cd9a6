// DOM side of click outcomes: listens for the page's reactions to a click
// and passes them to the outcome timer.

import {
  createOutcomeTimer,
  type EffectField,
  type TrackedClick,
} from "./click-outcome";
import { guard } from "./log";

// Nodes that Storelens itself adds to the page, such as the loader of the
// snapshot bundle. Their insertion is not an effect of the shopper's click.
const ownNodes = new WeakSet<Node>();

/** Marks a node added by Storelens, so its insertion is not counted. */
export function markOwnNode(node: Node): void {
  ownNodes.add(node);
}

function isOwnMutation(record: MutationRecord): boolean {
  if (record.type !== "childList") return ownNodes.has(record.target);
  const nodes = [
    ...Array.from(record.addedNodes),
    ...Array.from(record.removedNodes),
  ];
  return nodes.length > 0 && nodes.every((node) => ownNodes.has(node));
}

export interface ClickEffects {
  track(click: TrackedClick): void;
  /** Sends every click still in its window with what was seen so far. */
  finishAll(): void;
}

/**
 * Starts the listeners. Call it before adding the page-exit flush
 * listeners, so that a `pagehide` or `visibilitychange` is stamped on the
 * clicks before they are sent.
 */
export function watchClickEffects(
  onDone: (click: TrackedClick) => void,
): ClickEffects {
  let observer: MutationObserver | undefined;

  const timer = createOutcomeTimer({
    now: () => performance.now(),
    onDone(click) {
      if (!timer.pending() && observer) observer.disconnect();
      onDone(click);
    },
  });

  const noteMutations = (records: MutationRecord[]) => {
    if (!records.every(isOwnMutation)) timer.note("domChangeMs");
  };

  const listen = (target: EventTarget, types: string[], field: EffectField) => {
    const listener = guard(() => timer.note(field));
    for (const type of types) {
      target.addEventListener(type, listener, { capture: true, passive: true });
    }
  };

  listen(document, ["scroll"], "scrollMs");
  listen(document, ["selectionchange"], "selectionChangeMs");
  listen(document, ["visibilitychange"], "visibilityChangeMs");
  // NOTE: a click moves focus on mousedown, before its `click` event, so
  // focus given to the clicked element itself is not counted.
  listen(document, ["focusin", "focusout"], "focusChangeMs");
  // A new value or checked state of a form control makes no mutation
  // record, so its `input` and `change` events count as DOM changes.
  listen(document, ["input", "change"], "domChangeMs");
  listen(window, ["pagehide", "popstate", "hashchange"], "navigationMs");

  return {
    track(click) {
      if (typeof MutationObserver === "function") {
        if (!observer) observer = new MutationObserver(guard(noteMutations));
        if (timer.pending()) {
          // Records made before this click belong to the earlier clicks.
          noteMutations(observer.takeRecords());
        } else {
          observer.observe(document, {
            subtree: true,
            childList: true,
            attributes: true,
            characterData: true,
          });
        }
      }
      timer.track(click);
    },
    finishAll: timer.finishAll,
  };
}
