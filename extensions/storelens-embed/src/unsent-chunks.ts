// Recording chunks kept in localStorage when they cannot outlive the page
// they were made on, for the recorder of the visit's next page to send.

import { strFromU8, strToU8 } from "fflate";
import { UNSENT_RECORDING_KEY } from "./keepalive-quota";
import { report } from "./log";

/**
 * Base64 characters of stored chunks kept at most, about 750 KB of gzip.
 * A chunk past it is dropped.
 */
export const MAX_UNSENT_RECORDING_CHARS = 1_000_000;

/** A chunk as stored for the next page: the gzip body in base64. */
export interface StoredChunk {
  shop: string;
  id: string;
  page: string;
  session: string;
  body: string;
}

/** Encodes a gzip body for storage as text. */
export function encodeBody(bytes: Uint8Array): string {
  return btoa(strFromU8(bytes, true));
}

/** Decodes a body written by `encodeBody`; throws on invalid base64. */
export function decodeBody(text: string): Uint8Array {
  return strToU8(atob(text), true);
}

/** Reads the stored chunks of every shop; unreadable text reads as none. */
export function readStoredChunks(storage: Storage | undefined): StoredChunk[] {
  try {
    const stored = JSON.parse(storage!.getItem(UNSENT_RECORDING_KEY)!);
    return Array.isArray(stored)
      ? stored.filter((chunk) => chunk && typeof chunk.body === "string")
      : [];
  } catch {
    return [];
  }
}

/** Replaces the stored chunks; none removes the key. */
export function writeStoredChunks(
  storage: Storage | undefined,
  chunks: StoredChunk[],
) {
  try {
    if (chunks.length) {
      storage!.setItem(UNSENT_RECORDING_KEY, JSON.stringify(chunks));
    } else {
      storage!.removeItem(UNSENT_RECORDING_KEY);
    }
  } catch (error) {
    // Blocked storage or a full quota: the chunks are lost with the page.
    report(error);
  }
}
