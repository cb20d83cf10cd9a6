// Per-visit memory of the stylesheets that the server stores, so the
// recorder uploads each long stylesheet once per visit and afterwards only
// its SHA-256. The server checks every hash against the stylesheets it
// hashed itself, and returns 409 `unknown_stylesheet` for one it lacks.

import type { RrwebEvent } from "../../../app/replay/event-privacy";
import {
  CSS_REFERENCE,
  MIN_SHARED_CSS_LENGTH,
  cssReferenceOf,
  nodesOf,
  type CssNode,
} from "../../../app/replay/stylesheet-nodes";
import { report } from "./log";

/**
 * sessionStorage key of the hashes the server confirmed, with the visit
 * they belong to. It contains hashes of the theme's CSS only, no behaviour.
 */
export const STORED_CSS_KEY = "storelens:css";
/** Hashes remembered at most; a theme has a few dozen stylesheets. */
const MAX_REMEMBERED_HASHES = 200;

export interface StylesheetCache {
  /** Hashes the long stylesheets in `events` for later `reference` calls. */
  prepare(events: RrwebEvent[]): Promise<void>;
  /**
   * Replaces, in place, each stylesheet that the server stores for this
   * visit with its hash. Returns the hashes of the stylesheets left inline.
   */
  reference(events: RrwebEvent[], session: string): string[];
  /** Records that the server stored these stylesheets for the visit. */
  confirm(hashes: string[], session: string): void;
  /**
   * Puts the CSS back in place of every reference and clears the record
   * of what the server stores. Returns the hashes put back, or undefined when some
   * CSS is not in memory (a chunk of an earlier page).
   */
  inline(events: RrwebEvent[]): string[] | undefined;
}

interface Remembered {
  session: string;
  hashes: string[];
}

/** Returns a node's long inline stylesheet, as the server would share it. */
function inlineCssOf(node: CssNode): string | undefined {
  const linked = node.attributes?._cssText;
  if (typeof linked === "string" && linked.length >= MIN_SHARED_CSS_LENGTH) {
    return linked;
  }
  const text = node.textContent;
  if (
    node.isStyle &&
    typeof text === "string" &&
    text.length >= MIN_SHARED_CSS_LENGTH
  ) {
    return text;
  }
  return undefined;
}

const encoder = new TextEncoder();

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  let hex = "";
  for (const byte of new Uint8Array(digest)) {
    hex += (byte + 0x100).toString(16).slice(1);
  }
  return hex;
}

export function createStylesheetCache(
  storage: () => Storage | undefined,
): StylesheetCache {
  // Hash of each CSS text seen on this page, and the text of each hash.
  const hashOf = new Map<string, string>();
  const textOf = new Map<string, string>();

  function read(session: string): Set<string> {
    try {
      const stored: Remembered = JSON.parse(
        storage()!.getItem(STORED_CSS_KEY)!,
      );
      if (stored.session === session) return new Set(stored.hashes);
    } catch {
      // Nothing stored yet, or storage is blocked.
    }
    return new Set();
  }

  function write(remembered: Remembered | undefined) {
    try {
      if (remembered) {
        storage()!.setItem(STORED_CSS_KEY, JSON.stringify(remembered));
      } else {
        storage()!.removeItem(STORED_CSS_KEY);
      }
    } catch (error) {
      report(error);
    }
  }

  return {
    async prepare(events) {
      // crypto.subtle exists only in secure contexts; without it every
      // stylesheet stays inline.
      if (!(typeof crypto === "object" && crypto.subtle)) return;
      for (const node of nodesOf(events)) {
        const css = inlineCssOf(node);
        if (css === undefined || hashOf.has(css)) continue;
        const hash = await sha256(css);
        hashOf.set(css, hash);
        textOf.set(hash, css);
      }
    },
    reference(events, session) {
      const stored = read(session);
      const inlined: string[] = [];
      for (const node of nodesOf(events)) {
        const css = inlineCssOf(node);
        const hash = css === undefined ? undefined : hashOf.get(css);
        if (hash === undefined) continue;
        if (!stored.has(hash)) {
          inlined.push(hash);
        } else if (node.attributes && node.attributes._cssText === css) {
          delete node.attributes._cssText;
          node.attributes[CSS_REFERENCE] = hash;
        } else {
          node.textContent = "";
          node[CSS_REFERENCE] = hash;
        }
      }
      return inlined;
    },
    confirm(hashes, session) {
      if (hashes.length === 0) return;
      const stored = read(session);
      for (const hash of hashes) stored.add(hash);
      const kept = [...stored].slice(-MAX_REMEMBERED_HASHES);
      write({ session, hashes: kept });
    },
    inline(events) {
      write(undefined);
      const restored: string[] = [];
      for (const node of nodesOf(events)) {
        const hash = cssReferenceOf(node);
        if (hash === undefined) continue;
        const css = textOf.get(hash);
        if (css === undefined) return undefined;
        restored.push(hash);
        if (node.attributes?.[CSS_REFERENCE] === hash) {
          delete node.attributes[CSS_REFERENCE];
          node.attributes._cssText = css;
        } else {
          delete node[CSS_REFERENCE];
          node.textContent = css;
        }
      }
      return restored;
    },
  };
}
