import { maskEvent, maskText, withoutQuery } from "./event-privacy";

const SECRET = "secret-value-123";

describe("maskEvent", () => {
  it("masks values of form fields in a full snapshot", () => {
    const event = maskEvent({
      type: 2,
      timestamp: 1,
      data: {
        node: {
          type: 0,
          childNodes: [
            {
              type: 2,
              tagName: "input",
              attributes: { type: "hidden", value: SECRET },
            },
            { type: 2, tagName: "select", attributes: { value: SECRET } },
            { type: 2, tagName: "button", attributes: { value: "keep" } },
            {
              type: 2,
              tagName: "textarea",
              attributes: {},
              childNodes: [{ type: 3, textContent: SECRET }],
            },
            { type: 2, tagName: "div", attributes: { rr_width: "10px" } },
          ],
        },
      },
    });
    const text = JSON.stringify(event);
    expect(text).not.toContain(SECRET);
    expect(text).toContain('"value":"keep"');
    expect(text).toContain('"class":"rr-block"');
  });

  it("masks typed input", () => {
    const event = maskEvent({
      type: 3,
      timestamp: 1,
      data: { source: 5, id: 9, text: SECRET, isChecked: false },
    });
    expect((event.data as { text: string }).text).toBe(maskText(SECRET));
  });

  it("masks value attributes set by scripts", () => {
    const data = {
      source: 0,
      adds: [
        {
          parentId: 5,
          node: { type: 3, textContent: SECRET },
        },
      ],
      texts: [{ id: 6, value: SECRET }],
      attributes: [
        { id: 7, attributes: { value: SECRET } },
        { id: 8, attributes: { value: "button-value" } },
      ],
    };
    const tags: Record<number, string> = {
      5: "textarea",
      6: "textarea",
      7: "input",
      8: "li",
    };
    maskEvent({ type: 3, timestamp: 1, data }, (id) => tags[id]);
    expect(JSON.stringify(data)).not.toContain(SECRET);
    expect(data.attributes[1].attributes.value).toBe("button-value");
  });

  it("masks every value attribute without a tag lookup", () => {
    const data = {
      source: 0,
      attributes: [{ id: 8, attributes: { value: SECRET } }],
    };
    maskEvent({ type: 3, timestamp: 1, data });
    expect(JSON.stringify(data)).not.toContain(SECRET);
  });

  it("drops the query string of page URLs", () => {
    const event = maskEvent({
      type: 4,
      timestamp: 1,
      data: {
        href: "https://shop.example/cart?email=a@b.c#x",
        width: 1,
        height: 1,
      },
    });
    expect((event.data as { href: string }).href).toBe(
      "https://shop.example/cart",
    );
    expect(withoutQuery("https://a.example/")).toBe("https://a.example/");
  });

  it("caps the mask length", () => {
    expect(maskText("x".repeat(500))).toHaveLength(24);
  });
});
