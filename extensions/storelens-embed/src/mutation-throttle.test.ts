import type { RrwebEvent } from "../../../app/replay/event-privacy";
import {
  NODE_MUTATION_INTERVAL_MS,
  createMutationThrottle,
} from "./mutation-throttle";

function mutation(
  at: number,
  data: {
    texts?: { id: number; value: string }[];
    attributes?: { id: number; attributes: Record<string, unknown> }[];
    adds?: unknown[];
    removes?: { parentId: number; id: number }[];
  },
): RrwebEvent {
  return {
    type: 3,
    timestamp: at,
    data: {
      source: 0,
      texts: [],
      attributes: [],
      adds: [],
      removes: [],
      ...data,
    },
  };
}

function setUp() {
  const emitted: RrwebEvent[] = [];
  const throttle = createMutationThrottle({
    emit: (event) => emitted.push(event),
    now: () => Date.now(),
  });
  return { emitted, throttle };
}

/** Every text value written for node `id`, in order. */
function textsOf(events: RrwebEvent[], id: number): string[] {
  return events.flatMap((event) =>
    ((event.data as { texts?: { id: number; value: string }[] }).texts ?? [])
      .filter((text) => text.id === id)
      .map((text) => text.value),
  );
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});

afterEach(() => {
  vi.useRealTimers();
});

describe("mutation throttle", () => {
  it("keeps one text change per node per interval and the last value", () => {
    const { emitted, throttle } = setUp();
    // A countdown ticking every 100 ms for 5 s.
    for (let tick = 0; tick < 50; tick++) {
      throttle.push(
        mutation(Date.now(), { texts: [{ id: 7, value: `t${tick}` }] }),
      );
      vi.advanceTimersByTime(100);
    }
    vi.advanceTimersByTime(NODE_MUTATION_INTERVAL_MS);
    const values = textsOf(emitted, 7);
    expect(values.length).toBeLessThanOrEqual(4);
    expect(values[0]).toBe("t0");
    expect(values[values.length - 1]).toBe("t49");
  });

  it("throttles nodes independently", () => {
    const { emitted, throttle } = setUp();
    throttle.push(mutation(0, { texts: [{ id: 1, value: "a" }] }));
    throttle.push(mutation(0, { texts: [{ id: 2, value: "b" }] }));
    expect(textsOf(emitted, 1)).toEqual(["a"]);
    expect(textsOf(emitted, 2)).toEqual(["b"]);
  });

  it("passes removals at once after held changes", () => {
    const { emitted, throttle } = setUp();
    throttle.push(mutation(0, { texts: [{ id: 3, value: "first" }] }));
    throttle.push(mutation(10, { texts: [{ id: 3, value: "held" }] }));
    throttle.push(mutation(20, { removes: [{ parentId: 1, id: 3 }] }));
    expect(emitted).toHaveLength(3);
    expect(textsOf([emitted[1]], 3)).toEqual(["held"]);
    const removal = emitted[2].data as { removes: unknown[] };
    expect(removal.removes).toEqual([{ parentId: 1, id: 3 }]);
    vi.advanceTimersByTime(NODE_MUTATION_INTERVAL_MS * 2);
    expect(emitted).toHaveLength(3);
  });

  it("merges partial style changes of one node", () => {
    const { emitted, throttle } = setUp();
    const style = (value: Record<string, string>) =>
      mutation(0, { attributes: [{ id: 4, attributes: { style: value } }] });
    throttle.push(style({ left: "1px" }));
    throttle.push(style({ left: "2px" }));
    throttle.push(style({ top: "5px" }));
    vi.advanceTimersByTime(NODE_MUTATION_INTERVAL_MS);
    const last = emitted[emitted.length - 1].data as {
      attributes: { attributes: { style: Record<string, string> } }[];
    };
    expect(last.attributes[0].attributes.style).toEqual({
      left: "2px",
      top: "5px",
    });
  });

  it("passes events other than mutations unchanged", () => {
    const { emitted, throttle } = setUp();
    const click: RrwebEvent = { type: 3, timestamp: 0, data: { source: 2 } };
    throttle.push(click);
    throttle.push(click);
    expect(emitted).toEqual([click, click]);
  });
});
