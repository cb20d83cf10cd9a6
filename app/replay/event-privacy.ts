// Masking of rrweb events, run in the browser before upload and again on
// the server before storage. Pure and free of DOM and server code, so the
// storefront recorder bundle can import it. rrweb's own `maskAllInputs`
// skips hidden inputs and `value` attributes that scripts set, so every
// form value is masked here whatever rrweb did.

/** rrweb `EventType` values read here. */
export const EVENT_FULL_SNAPSHOT = 2;
export const EVENT_INCREMENTAL = 3;
export const EVENT_META = 4;
export const EVENT_CUSTOM = 5;
/** rrweb `IncrementalSource` values read here. */
export const SOURCE_MUTATION = 0;
export const SOURCE_INPUT = 5;
/** rrweb-snapshot `NodeType` values read here. */
const NODE_ELEMENT = 2;
const NODE_TEXT = 3;

/** Class given to blocked elements, such as payment fields, for the player. */
export const BLOCKED_CLASS = "rr-block";

/** Masked text keeps its length up to this many characters. */
export const MAX_MASK_LENGTH = 24;

/** Elements whose `value` attribute is shopper input. */
const FORM_TAGS = ["input", "textarea", "select", "option"];

/** The fields of an rrweb event that masking reads or rewrites. */
export interface RrwebEvent {
  type: number;
  timestamp: number;
  data?: unknown;
}

interface SerializedNode {
  type?: number;
  id?: number;
  tagName?: string;
  attributes?: Record<string, unknown>;
  childNodes?: SerializedNode[];
  textContent?: string;
}

interface MutationData {
  source: number;
  adds?: { parentId?: number; node?: SerializedNode }[];
  texts?: { id?: number; value?: string | null }[];
  attributes?: { id?: number; attributes?: Record<string, unknown> }[];
}

/**
 * Returns the lower-case tag name of a recorded node's element, or of a
 * text node's parent element, by rrweb node id. The browser passes one
 * backed by rrweb's mirror; the server has none.
 */
export type TagLookup = (id: number) => string | undefined;

export function maskText(value: string): string {
  return "*".repeat(Math.min(value.length, MAX_MASK_LENGTH));
}

function isFormTag(tag: string | undefined): boolean {
  return tag !== undefined && FORM_TAGS.indexOf(tag.toLowerCase()) >= 0;
}

/** Masks form values in a serialized subtree, without recursion. */
function maskTree(root: SerializedNode, insideTextarea: boolean): void {
  const pending: [SerializedNode, boolean][] = [[root, insideTextarea]];
  while (pending.length > 0) {
    const [node, inTextarea] = pending.pop()!;
    if (!node || typeof node !== "object") continue;
    if (node.type === NODE_ELEMENT && node.attributes?.rr_width) {
      // A blocked element keeps only its size; the class lets the player
      // draw it as a placeholder.
      const before = node.attributes.class;
      node.attributes.class =
        `${typeof before === "string" ? before : ""} ${BLOCKED_CLASS}`.trim();
    }
    if (node.type === NODE_ELEMENT && isFormTag(node.tagName)) {
      const value = node.attributes && node.attributes.value;
      if (typeof value === "string") node.attributes!.value = maskText(value);
    }
    if (
      node.type === NODE_TEXT &&
      inTextarea &&
      typeof node.textContent === "string"
    ) {
      node.textContent = maskText(node.textContent);
    }
    const childInTextarea =
      inTextarea ||
      (node.type === NODE_ELEMENT &&
        (node.tagName || "").toLowerCase() === "textarea");
    if (Array.isArray(node.childNodes)) {
      for (const child of node.childNodes) {
        pending.push([child, childInTextarea]);
      }
    }
  }
}

function maskMutation(data: MutationData, tagOf: TagLookup): void {
  for (const add of data.adds || []) {
    const parentTag = add.parentId === undefined ? "" : tagOf(add.parentId);
    if (add.node) maskTree(add.node, parentTag === "textarea");
  }
  for (const text of data.texts || []) {
    const tag = text.id === undefined ? undefined : tagOf(text.id);
    if (tag === "textarea" && typeof text.value === "string") {
      text.value = maskText(text.value);
    }
  }
  // Without a lookup the element is unknown, so every `value` attribute
  // is masked: buttons and list items lose theirs, shoppers lose nothing.
  for (const change of data.attributes || []) {
    const attributes = change.attributes;
    if (!attributes || typeof attributes.value !== "string") continue;
    const tag = change.id === undefined ? undefined : tagOf(change.id);
    if (tag === undefined || isFormTag(tag)) {
      attributes.value = maskText(attributes.value);
    }
  }
}

/** Keeps the origin and path of a URL; query strings can carry e-mails. */
export function withoutQuery(href: string): string {
  const cut = href.search(/[?#]/);
  return cut < 0 ? href : href.slice(0, cut);
}

/**
 * Masks every form value, typed or set by a script, in one rrweb event,
 * in place, and drops the query string of page URLs. Returns the event.
 */
export function maskEvent<T extends RrwebEvent>(
  event: T,
  tagOf: TagLookup = () => undefined,
): T {
  const data = event.data as Record<string, unknown> | undefined;
  if (!data || typeof data !== "object") return event;
  if (event.type === EVENT_FULL_SNAPSHOT && data.node) {
    maskTree(data.node as SerializedNode, false);
  } else if (event.type === EVENT_META && typeof data.href === "string") {
    data.href = withoutQuery(data.href);
  } else if (event.type === EVENT_INCREMENTAL) {
    if (data.source === SOURCE_MUTATION) {
      maskMutation(data as unknown as MutationData, tagOf);
    } else if (data.source === SOURCE_INPUT && typeof data.text === "string") {
      data.text = maskText(data.text);
    }
  }
  return event;
}
