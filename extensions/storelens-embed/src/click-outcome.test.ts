import { CLICK_OUTCOME_WINDOW_MS } from "../../../app/ingest/payload-types";
import {
  createOutcomeTimer,
  emptyOutcome,
  type TrackedClick,
} from "./click-outcome";

function click(selector = "#buy"): TrackedClick {
  return {
    type: "click",
    page: "page-1",
    at: 1_700_000_000_000,
    x: 10,
    y: 20,
    viewportWidth: 1280,
    viewportHeight: 800,
    selector,
    offsetX: 0.5,
    offsetY: 0.5,
    fixed: false,
    touch: false,
    outcome: emptyOutcome({
      targetKind: "button",
      opensNewTab: false,
      hidden: false,
    }),
  };
}

/** A timer whose clock follows vitest's fake time. */
function setup() {
  const done: TrackedClick[] = [];
  const timer = createOutcomeTimer({
    now: () => Date.now(),
    onDone: (item) => done.push(item),
  });
  return { done, timer };
}

describe("createOutcomeTimer", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends a click with nulls after its window", () => {
    const { done, timer } = setup();
    timer.track(click());
    vi.advanceTimersByTime(CLICK_OUTCOME_WINDOW_MS - 1);
    expect(done).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(done).toHaveLength(1);
    expect(done[0].outcome).toEqual({
      targetKind: "button",
      opensNewTab: false,
      hidden: false,
      domChangeMs: null,
      scrollMs: null,
      selectionChangeMs: null,
      navigationMs: null,
      visibilityChangeMs: null,
      focusChangeMs: null,
    });
    expect(timer.pending()).toBe(0);
  });

  it("stamps the first effect of each kind", () => {
    const { done, timer } = setup();
    timer.track(click());
    vi.advanceTimersByTime(120);
    timer.note("domChangeMs");
    vi.advanceTimersByTime(300);
    timer.note("domChangeMs");
    timer.note("scrollMs");
    vi.advanceTimersByTime(CLICK_OUTCOME_WINDOW_MS);

    const [outcome] = done.map((item) => item.outcome);
    expect(outcome.domChangeMs).toBe(120);
    expect(outcome.scrollMs).toBe(420);
    expect(outcome.focusChangeMs).toBeNull();
  });

  it("stamps each pending click from its own start", () => {
    const { done, timer } = setup();
    timer.track(click("#first"));
    vi.advanceTimersByTime(1000);
    timer.track(click("#second"));
    vi.advanceTimersByTime(200);
    timer.note("focusChangeMs");
    vi.advanceTimersByTime(CLICK_OUTCOME_WINDOW_MS);

    expect(done.map((item) => item.selector)).toEqual(["#first", "#second"]);
    expect(done[0].outcome.focusChangeMs).toBe(1200);
    expect(done[1].outcome.focusChangeMs).toBe(200);
  });

  it("ignores effects after the window", () => {
    const { done, timer } = setup();
    timer.track(click());
    vi.advanceTimersByTime(CLICK_OUTCOME_WINDOW_MS);
    timer.note("scrollMs");
    expect(done[0].outcome.scrollMs).toBeNull();
  });

  it("skips an effect past a late timer", () => {
    let now = 0;
    const done: TrackedClick[] = [];
    const timer = createOutcomeTimer({
      now: () => now,
      onDone: (item) => done.push(item),
    });
    timer.track(click());
    now = CLICK_OUTCOME_WINDOW_MS + 1;
    timer.note("domChangeMs");
    vi.advanceTimersByTime(CLICK_OUTCOME_WINDOW_MS);
    expect(done[0].outcome.domChangeMs).toBeNull();
  });

  it("finishes every click at once on exit", () => {
    const { done, timer } = setup();
    timer.track(click("#first"));
    vi.advanceTimersByTime(100);
    timer.track(click("#second"));
    vi.advanceTimersByTime(100);
    timer.note("navigationMs");
    timer.finishAll();

    expect(done.map((item) => item.selector)).toEqual(["#first", "#second"]);
    expect(done[0].outcome.navigationMs).toBe(200);
    expect(done[1].outcome.navigationMs).toBe(100);
    expect(done[1].outcome.domChangeMs).toBeNull();
    expect(timer.pending()).toBe(0);

    vi.advanceTimersByTime(CLICK_OUTCOME_WINDOW_MS);
    expect(done).toHaveLength(2);
  });

  it("uses a custom window length", () => {
    const done: TrackedClick[] = [];
    const timer = createOutcomeTimer({
      now: () => Date.now(),
      onDone: (item) => done.push(item),
      windowMs: 100,
    });
    timer.track(click());
    vi.advanceTimersByTime(100);
    expect(done).toHaveLength(1);
  });

  it("keeps sending when onDone throws", () => {
    const done: string[] = [];
    const timer = createOutcomeTimer({
      now: () => Date.now(),
      onDone: (item) => {
        done.push(item.selector);
        throw new Error("listener failed");
      },
    });
    timer.track(click("#first"));
    expect(() => vi.advanceTimersByTime(CLICK_OUTCOME_WINDOW_MS)).not.toThrow();
    timer.track(click("#second"));
    vi.advanceTimersByTime(CLICK_OUTCOME_WINDOW_MS);
    expect(done).toEqual(["#first", "#second"]);
  });
});
