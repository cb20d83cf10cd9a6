import { classifyTarget, type KindElement } from "./click-kind";

class FakeElement implements KindElement {
  parentElement: FakeElement | null = null;
  readonly children: FakeElement[] = [];
  isContentEditable?: boolean;

  constructor(
    readonly tagName: string,
    private readonly attributes: Record<string, string> = {},
    readonly textContent: string | null = "",
  ) {}

  getAttribute(name: string): string | null {
    return name in this.attributes ? this.attributes[name] : null;
  }

  append(...children: FakeElement[]): this {
    for (const child of children) {
      child.parentElement = this;
      this.children.push(child);
    }
    return this;
  }
}

function el(
  tag: string,
  attributes: Record<string, string> = {},
  text = "",
): FakeElement {
  return new FakeElement(tag.toUpperCase(), attributes, text);
}

describe("classifyTarget", () => {
  it.each([
    ["input without type", el("input")],
    ["text input", el("input", { type: "text" })],
    ["email input", el("input", { type: "EMAIL" })],
    ["number input", el("input", { type: "number" })],
    ["textarea", el("textarea")],
    ["contenteditable div", el("div", { contenteditable: "" })],
    ["plaintext-only div", el("div", { contenteditable: "plaintext-only" })],
  ])("classifies %s as text-field", (_name, element) => {
    expect(classifyTarget(element)).toBe("text-field");
  });

  it("reads isContentEditable before the attribute", () => {
    const child = el("p");
    child.isContentEditable = true;
    expect(classifyTarget(child)).toBe("text-field");
    const off = el("div", { contenteditable: "true" });
    off.isContentEditable = false;
    expect(classifyTarget(off)).toBe("other");
  });

  it("treats contenteditable=false as not editable", () => {
    expect(classifyTarget(el("div", { contenteditable: "false" }))).toBe(
      "other",
    );
  });

  it.each([
    ["checkbox", el("input", { type: "checkbox" })],
    ["radio", el("input", { type: "radio" })],
    ["switch", el("button", { role: "switch" })],
    ["pressed button", el("button", { "aria-pressed": "false" })],
  ])("classifies %s as toggle", (_name, element) => {
    expect(classifyTarget(element)).toBe("toggle");
  });

  it("classifies details summary as toggle", () => {
    const summary = el("summary");
    el("details").append(summary);
    expect(classifyTarget(summary)).toBe("toggle");
  });

  it("classifies summary outside details as other", () => {
    const summary = el("summary");
    el("div").append(summary);
    expect(classifyTarget(summary)).toBe("other");
  });

  it("classifies button beside number input as stepper", () => {
    const button = el("button", {}, "Add");
    el("div").append(el("input", { type: "number" }), button);
    expect(classifyTarget(button)).toBe("stepper");
  });

  it.each([
    ["plus sign", el("button", {}, " + ")],
    ["minus sign", el("button", {}, "-")],
    ["unicode minus", el("button", {}, "−")],
    ["name plus", el("button", { name: "plus" })],
    ["name minus", el("button", { name: "minus" })],
    ["label increase", el("button", { "aria-label": "Increase quantity" })],
    ["label decrease", el("button", { "aria-label": "Decrease" })],
    ["input value", el("input", { type: "button", value: "+" })],
    ["role button", el("span", { role: "button" }, "+")],
  ])("classifies %s as stepper", (_name, element) => {
    expect(classifyTarget(element)).toBe("stepper");
  });

  it("ignores stepper words inside other words", () => {
    expect(classifyTarget(el("button", {}, "Surplus stock"))).toBe("button");
    expect(classifyTarget(el("button", {}, "A+ rated"))).toBe("button");
  });

  it("ignores stepper labels on links", () => {
    const link = el("a", { href: "/cart" }, "+");
    el("div").append(el("input", { type: "number" }), link);
    expect(classifyTarget(link)).toBe("link");
  });

  it.each([
    ["next class", el("button", { class: "swiper-button-next" })],
    ["prev class", el("button", { class: "slider__prev" })],
    ["previous label", el("button", { "aria-label": "Previous slide" })],
    ["slideshow div", el("div", { class: "slideshow-control" })],
    ["carousel link", el("a", { href: "#2", class: "carousel-dot" })],
  ])("classifies %s as carousel", (_name, element) => {
    expect(classifyTarget(element)).toBe("carousel");
  });

  it("does not read next inside a word", () => {
    expect(classifyTarget(el("button", { class: "context-menu" }))).toBe(
      "button",
    );
  });

  it("classifies a link with href", () => {
    expect(classifyTarget(el("a", { href: "/products/shirt" }))).toBe("link");
  });

  it("classifies an anchor without href as other", () => {
    expect(classifyTarget(el("a"))).toBe("other");
  });

  it.each([
    ["button", el("button", {}, "Add to cart")],
    ["submit input", el("input", { type: "submit", value: "Buy" })],
    ["role button", el("div", { role: "button" }, "Open")],
  ])("classifies %s as button", (_name, element) => {
    expect(classifyTarget(element)).toBe("button");
  });

  it.each([
    ["range input", el("input", { type: "range" })],
    ["select", el("select")],
    ["paragraph", el("p", {}, "Linen shirt")],
  ])("classifies %s as other", (_name, element) => {
    expect(classifyTarget(element)).toBe("other");
  });
});
