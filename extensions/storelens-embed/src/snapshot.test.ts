import { stripFieldValues, type SerializedNode } from "./snapshot";

describe("stripFieldValues", () => {
  it("removes values of every form field", () => {
    const tree: SerializedNode = {
      tagName: "form",
      attributes: { action: "/cart" },
      childNodes: [
        { tagName: "input", attributes: { type: "hidden", value: "tok_123" } },
        { tagName: "input", attributes: { type: "email", value: "*****" } },
        { tagName: "select", attributes: { name: "size", value: "**" } },
        {
          tagName: "textarea",
          attributes: { name: "note" },
          childNodes: [{}],
        },
        { tagName: "button", attributes: { value: "add" } },
      ],
    };
    stripFieldValues(tree);
    const [hidden, email, select, textarea, button] = tree.childNodes!;
    expect(hidden.attributes).toEqual({ type: "hidden" });
    expect(email.attributes).toEqual({ type: "email" });
    expect(select.attributes).toEqual({ name: "size" });
    expect(textarea.childNodes).toEqual([]);
    expect(button.attributes).toEqual({ value: "add" });
    expect(tree.attributes).toEqual({ action: "/cart" });
  });
});
