// Pure classification of a click target. It reads only the fields of
// KindElement, so the unit tests can run it on plain objects.

import type { ClickTargetKind } from "../../../app/ingest/payload-types";

/** The part of a DOM element that the classification reads. */
export interface KindElement {
  readonly tagName: string;
  readonly textContent: string | null;
  readonly parentElement: KindElement | null;
  readonly children: ArrayLike<KindElement>;
  /** True inside an editing host; falls back to the attribute when absent. */
  readonly isContentEditable?: boolean;
  getAttribute(name: string): string | null;
}

/** Input types that take typed text. */
const TEXT_INPUT_TYPES =
  /^(text|search|email|tel|url|password|number|date|datetime-local|month|time|week)$/;
const BUTTON_INPUT_TYPES = /^(button|submit|reset|image)$/;
/** Labels of a quantity button: a sign or a word such as "Increase". */
const STEPPER_LABEL = /^[+\-−]$|\b(plus|minus|increase|decrease)\b/i;
/** Class or label words of slider controls, at the start of a word. */
const CAROUSEL_WORD = /(^|[^a-z])(next|prev|previous|slide|carousel)/i;

function inputType(element: KindElement): string {
  return (element.getAttribute("type") || "text").toLowerCase();
}

function isNumberInput(element: KindElement): boolean {
  return tagOf(element) === "input" && inputType(element) === "number";
}

function tagOf(element: KindElement): string {
  return element.tagName.toLowerCase();
}

function isEditable(element: KindElement): boolean {
  if (element.isContentEditable !== undefined) {
    return element.isContentEditable;
  }
  const value = element.getAttribute("contenteditable");
  return value !== null && value.toLowerCase() !== "false";
}

function isButtonLike(element: KindElement): boolean {
  const tag = tagOf(element);
  return (
    tag === "button" ||
    (tag === "input" && BUTTON_INPUT_TYPES.test(inputType(element))) ||
    element.getAttribute("role") === "button"
  );
}

function hasNumberSibling(element: KindElement): boolean {
  const siblings = element.parentElement ? element.parentElement.children : [];
  for (let i = 0; i < siblings.length; i++) {
    if (isNumberInput(siblings[i])) return true;
  }
  return false;
}

// NOTE: any button beside a number input counts, so an add-to-cart button
// that shares its parent with the quantity field is classed as a stepper.
function isStepper(element: KindElement): boolean {
  if (hasNumberSibling(element)) return true;
  const labels = [
    element.getAttribute("name"),
    element.getAttribute("aria-label"),
    element.getAttribute("value"),
    element.textContent,
  ];
  return labels.some(
    (label) => label !== null && STEPPER_LABEL.test(label.trim()),
  );
}

/**
 * Classifies the element a click was credited to. Rules apply in order:
 * text field, toggle, stepper (buttons only), carousel control, link,
 * button, and `other` for anything else.
 */
export function classifyTarget(element: KindElement): ClickTargetKind {
  const tag = tagOf(element);
  if (tag === "input") {
    const type = inputType(element);
    if (type === "checkbox" || type === "radio") return "toggle";
    if (TEXT_INPUT_TYPES.test(type)) return "text-field";
  }
  if (tag === "textarea" || isEditable(element)) return "text-field";
  if (
    element.getAttribute("role") === "switch" ||
    element.getAttribute("aria-pressed") !== null ||
    (tag === "summary" &&
      !!element.parentElement &&
      tagOf(element.parentElement) === "details")
  ) {
    return "toggle";
  }

  const button = isButtonLike(element);
  if (button && isStepper(element)) return "stepper";
  const names =
    (element.getAttribute("class") || "") +
    " " +
    (element.getAttribute("aria-label") || "");
  if (CAROUSEL_WORD.test(names)) return "carousel";
  if (tag === "a" && element.getAttribute("href") !== null) return "link";
  return button ? "button" : "other";
}
