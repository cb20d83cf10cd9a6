import {
  buildSelector,
  deviceClass,
  MAX_SELECTOR_LENGTH,
  offsetFraction,
  pagePoint,
  scrollDepth,
  type SelectorElement,
} from "./capture-maths";

class FakeElement implements SelectorElement {
  parentElement: FakeElement | null = null;
  readonly children: FakeElement[] = [];

  constructor(
    readonly tagName: string,
    readonly id = "",
  ) {}

  get previousElementSibling(): FakeElement | null {
    const siblings = this.parentElement ? this.parentElement.children : [];
    const index = siblings.indexOf(this);
    return index > 0 ? siblings[index - 1] : null;
  }

  append(...children: FakeElement[]): this {
    for (const child of children) {
      child.parentElement = this;
      this.children.push(child);
    }
    return this;
  }
}

function el(tag: string, id = "", ...children: FakeElement[]): FakeElement {
  return new FakeElement(tag, id).append(...children);
}

function uniqueIdsIn(root: FakeElement): (id: string) => boolean {
  const counts = new Map<string, number>();
  const visit = (node: FakeElement) => {
    if (node.id) counts.set(node.id, (counts.get(node.id) ?? 0) + 1);
    node.children.forEach(visit);
  };
  visit(root);
  return (id) => counts.get(id) === 1;
}

describe("buildSelector", () => {
  it("uses a unique id of the target", () => {
    const buy = el("BUTTON", "buy");
    const html = el("HTML", "", el("BODY", "", el("DIV", "", buy)));
    expect(buildSelector(buy, uniqueIdsIn(html))).toBe("#buy");
  });

  it("counts nth-of-type per tag from body", () => {
    const link = el("A");
    const body = el(
      "BODY",
      "",
      el("HEADER"),
      el("DIV"),
      el("SECTION"),
      el("DIV", "", el("P"), el("A"), el("SPAN"), link),
    );
    const html = el("HTML", "", el("HEAD"), body);
    expect(buildSelector(link, uniqueIdsIn(html))).toBe(
      "body > div:nth-of-type(2) > a:nth-of-type(2)",
    );
  });

  it("anchors on the nearest ancestor with a unique id", () => {
    const link = el("A");
    const html = el(
      "HTML",
      "",
      el(
        "BODY",
        "",
        el(
          "MAIN",
          "outer",
          el("UL", "main-menu", el("LI"), el("LI", "", link)),
        ),
      ),
    );
    expect(buildSelector(link, uniqueIdsIn(html))).toBe(
      "#main-menu > li:nth-of-type(2) > a:nth-of-type(1)",
    );
  });

  it("skips ids that are not unique", () => {
    const target = el("SPAN", "dup");
    const html = el(
      "HTML",
      "",
      el("BODY", "", el("DIV", "dup"), el("DIV", "dup", target)),
    );
    expect(buildSelector(target, uniqueIdsIn(html))).toBe(
      "body > div:nth-of-type(2) > span:nth-of-type(1)",
    );
  });

  it("skips ids that are not plain identifiers", () => {
    const target = el("SPAN", "9lives");
    const html = el(
      "HTML",
      "",
      el("BODY", "", el("DIV", "has space", el("DIV", "_x", target))),
    );
    expect(buildSelector(target, uniqueIdsIn(html))).toBe(
      "body > div:nth-of-type(1) > div:nth-of-type(1) > span:nth-of-type(1)",
    );
  });

  it("names body itself as body", () => {
    const body = el("BODY");
    const html = el("HTML", "", body);
    expect(buildSelector(body, uniqueIdsIn(html))).toBe("body");
  });

  it("keeps the last steps of a deep path", () => {
    const body = el("BODY");
    let parent = body;
    for (let depth = 0; depth < 60; depth++) {
      const child = el("DIV");
      parent.append(el("DIV"), child);
      parent = child;
    }
    const target = el("A");
    parent.append(target);
    const selector = buildSelector(target, uniqueIdsIn(el("HTML", "", body)));
    expect(selector.length).toBeLessThanOrEqual(MAX_SELECTOR_LENGTH);
    expect(selector.startsWith("div:nth-of-type(2) > ")).toBe(true);
    expect(selector.endsWith(" > div:nth-of-type(2) > a:nth-of-type(1)")).toBe(
      true,
    );
  });

  it("ignores an id too long for the cap", () => {
    const target = el("DIV", "x".repeat(MAX_SELECTOR_LENGTH));
    const html = el("HTML", "", el("BODY", "", target));
    expect(buildSelector(target, uniqueIdsIn(html))).toBe(
      "body > div:nth-of-type(1)",
    );
  });
});

describe("pagePoint", () => {
  it("clamps negative offsets from overscroll at 0", () => {
    expect(pagePoint(10, 5, -40, -60, false)).toEqual({ x: 0, y: 0 });
    expect(pagePoint(-3, 20, 0, 0, true)).toEqual({ x: 0, y: 20 });
  });

  it("adds the body scroll offset", () => {
    expect(pagePoint(120, 300, 0, 1000, false)).toEqual({ x: 120, y: 1300 });
  });

  it("adds horizontal scroll too", () => {
    expect(pagePoint(10, 20, 250, 40, false)).toEqual({ x: 260, y: 60 });
  });

  it("keeps viewport coordinates for fixed boxes", () => {
    expect(pagePoint(120, 30, 0, 1000, true)).toEqual({ x: 120, y: 30 });
  });
});

describe("offsetFraction", () => {
  it("returns the position inside the box", () => {
    expect(offsetFraction(150, 100, 200)).toBe(0.25);
  });

  it("clamps points before the box to 0", () => {
    expect(offsetFraction(90, 100, 200)).toBe(0);
  });

  it("clamps points after the box to 1", () => {
    expect(offsetFraction(350, 100, 200)).toBe(1);
  });

  it("returns 0 for an empty box", () => {
    expect(offsetFraction(100, 100, 0)).toBe(0);
  });
});

describe("scrollDepth", () => {
  it("reports a short page as fully read", () => {
    expect(scrollDepth(0, 800, 500)).toBe(500);
  });

  it("adds the viewport to the scroll offset", () => {
    expect(scrollDepth(1000, 800, 5000)).toBe(1800);
  });

  it("reaches the document height at the bottom", () => {
    expect(scrollDepth(4200, 800, 5000)).toBe(5000);
  });

  it("caps overscroll at the document height", () => {
    expect(scrollDepth(4350, 800, 5000)).toBe(5000);
  });

  it("treats a negative offset as 0", () => {
    expect(scrollDepth(-60, 800, 5000)).toBe(800);
  });
});

describe("deviceClass", () => {
  it.each([
    [320, "mobile"],
    [767, "mobile"],
    [768, "tablet"],
    [1023, "tablet"],
    [1024, "desktop"],
    [1920, "desktop"],
  ])("classifies width %i as %s", (width, expected) => {
    expect(deviceClass(width)).toBe(expected);
  });
});
