// Error policy of the storefront scripts: they run inside a merchant's
// theme, so no error may reach the host page. Errors are dropped unless the
// script tag carries `data-debug`.

let debugEnabled = false;

export function setDebug(enabled: boolean): void {
  debugEnabled = enabled;
}

export function report(error: unknown): void {
  if (debugEnabled) console.debug("[storelens]", error);
}

/** Wraps a listener or timer body so that it never throws. */
export function guard<A extends unknown[]>(
  body: (...args: A) => void,
): (...args: A) => void {
  return (...args) => {
    try {
      body(...args);
    } catch (error) {
      report(error);
    }
  };
}
