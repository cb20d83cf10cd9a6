// Pointer moves, hovers on controls, form fields and JavaScript errors.
// Moves and hovers come from a mouse only: touch screens have neither.

import {
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_ERRORS_PER_PAGE,
  type EventPayload,
} from "../../../app/ingest/payload-types";
import { buildSelector } from "./capture-maths";
import { creditedElement, isUniqueId, placement } from "./capture";
import { guard } from "./log";

/** One pointer position per this interval while the mouse moves. */
export const MOVE_SAMPLE_MS = 250;
/** Positions kept per page view; a heatmap needs no more from one visit. */
export const MAX_MOVES_PER_PAGE = 300;
/** Shorter rests are a pointer passing over, not a hover worth sending. */
export const MIN_HOVER_MS = 1000;

const HOVER_TARGETS =
  "a,button,input,select,textarea,summary,label,[role=button]";
const FIELDS = "input,select,textarea";
/** Controls that add to cart or lead to checkout. */
const CALLS_TO_ACTION =
  "[name=add],[name=checkout],.shopify-payment-button," +
  "form[action*='/cart/add'] [type=submit],a[href*='/checkout']";

export interface Behaviour {
  /** Starts counting for a new page view (a client-side navigation). */
  newPage(): void;
  /** Sends the hover in progress, as on page exit. */
  finish(): void;
}

export function watchBehaviour(
  page: () => string,
  push: (event: EventPayload) => void,
): Behaviour {
  let moves = 0;
  let errors = 0;
  let lastMoveAt = 0;
  let hovered: Element | undefined;
  let hoverStart = 0;

  const options = { capture: true, passive: true };
  const on = <E extends Event>(
    target: EventTarget,
    type: string,
    listener: (event: E) => void,
  ) => target.addEventListener(type, guard(listener) as EventListener, options);

  function endHover() {
    const element = hovered;
    hovered = undefined;
    const durationMs = Date.now() - hoverStart;
    if (!element || durationMs < MIN_HOVER_MS) return;
    push({
      type: "hover",
      page: page(),
      at: hoverStart,
      durationMs,
      selector: buildSelector(element, isUniqueId),
      cta: !!element.closest(CALLS_TO_ACTION),
    });
  }

  on(document, "pointermove", (event: PointerEvent) => {
    const now = Date.now();
    if (
      event.pointerType !== "mouse" ||
      moves >= MAX_MOVES_PER_PAGE ||
      now - lastMoveAt < MOVE_SAMPLE_MS ||
      !(event.target instanceof Element)
    ) {
      return;
    }
    lastMoveAt = now;
    moves++;
    push({
      type: "move",
      page: page(),
      at: now,
      ...placement(event, creditedElement(event.target)),
    });
  });

  on(document, "pointerover", (event: PointerEvent) => {
    const target = event.target;
    if (event.pointerType !== "mouse" || !(target instanceof Element)) return;
    const control = target.closest(HOVER_TARGETS) || undefined;
    if (control === hovered) return;
    endHover();
    hovered = control;
    hoverStart = Date.now();
  });

  const field = (type: "focus" | "blur" | "submit") => (event: Event) => {
    const target = event.target;
    if (!(target instanceof Element)) return;
    const form = type === "submit" ? target : target.closest("form");
    if (type !== "submit" && !target.matches(FIELDS)) return;
    if ((target as HTMLInputElement).type === "hidden") return;
    push({
      type,
      page: page(),
      at: Date.now(),
      field: buildSelector(target, isUniqueId),
      form: form ? buildSelector(form, isUniqueId) : "",
    });
  };
  on(document, "focusin", field("focus"));
  on(document, "focusout", field("blur"));
  on(document, "submit", field("submit"));

  const error = (message: unknown) => {
    if (errors >= MAX_ERRORS_PER_PAGE) return;
    const text = String(message || "").slice(0, MAX_ERROR_MESSAGE_LENGTH);
    if (!text) return;
    errors++;
    push({ type: "error", page: page(), at: Date.now(), message: text });
  };
  // A failed image or script fires a plain Event, not an ErrorEvent, and
  // only in the capture phase, so this bubbling listener receives script
  // errors alone.
  addEventListener(
    "error",
    guard((event: ErrorEvent) => error(event.message)),
  );
  addEventListener(
    "unhandledrejection",
    guard((event: PromiseRejectionEvent) => {
      const reason = event.reason as { message?: unknown } | undefined;
      error((reason && reason.message) || reason);
    }),
  );

  return {
    newPage() {
      endHover();
      moves = 0;
      errors = 0;
    },
    finish: endHover,
  };
}
