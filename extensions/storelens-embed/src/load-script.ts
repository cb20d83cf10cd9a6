import { markOwnNode } from "./click-effects";

/** Appends an async script tag that Storelens owns and calls `onload`. */
export function loadScript(src: string, onload: () => void): void {
  const loader = document.createElement("script");
  loader.src = src;
  loader.async = true;
  loader.onload = onload;
  markOwnNode(loader);
  document.head.appendChild(loader);
}
