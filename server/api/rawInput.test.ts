import { describe, expect, it } from "vitest";
import { LineageError } from "../domain/errors";
import { checkRawInput, unstorableText } from "./rawInput";

function refusal(input: unknown) {
  try {
    checkRawInput(input);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(LineageError);
    const e = error as LineageError;
    return { code: e.code, field: e.issues[0]?.field };
  }
}

describe("checkRawInput", () => {
  it("names the first field holding a NUL, a lone surrogate or a __proto__ key", () => {
    expect(refusal({ a: [1, { b: "x\u0000" }] })).toEqual({ code: "invalid_input", field: "a.1.b" });
    expect(refusal({ results: { "k\u0000": 1 } })).toEqual({ code: "invalid_input", field: "results.k\\u0000" });
    expect(refusal({ results: { "\ud800": 1 } })).toEqual({ code: "invalid_input", field: "results.\\ud800" });
    expect(refusal(JSON.parse('{"results":{"ok":1,"__proto__":{"x":1}}}'))).toEqual({ code: "invalid_input", field: "results.__proto__" });
    expect(refusal(JSON.parse('{"__proto__":1}'))).toEqual({ code: "invalid_input", field: "__proto__" });
    expect(refusal("\udc00")).toEqual({ code: "invalid_input", field: "(body)" });
    expect(refusal({ first: "\u0000", second: "\u0000" })?.field).toBe("first");
  });

  it("accepts surrogate pairs, U+FFFD and every other character", () => {
    expect(refusal({ name: "名前 🧪 👩‍🔬", text: "\ufffd\u0001\u202e", constructor: 1, toString: "x", "": [] })).toBeNull();
    expect(unstorableText("🧪")).toBeNull();
    expect(unstorableText("a\ud83e")).toMatch(/lone surrogate \(U\+D83E\)/);
    expect(unstorableText("\udd2a b")).toMatch(/lone surrogate \(U\+DD2A\)/);
  });

  it("walks any depth and width without recursion, in linear time", () => {
    const deep = JSON.parse(`${"[".repeat(500_000)}"x"${"]".repeat(500_000)}`);
    const wide = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, `v${i}`]));
    const started = performance.now();
    expect(refusal(deep)).toBeNull();
    expect(refusal(wide)).toBeNull();
    // The answer names the field briefly however deep it is.
    expect(refusal(JSON.parse(`${"[".repeat(500_000)}"\\u0000"${"]".repeat(500_000)}`))?.field).toBe("0.0.0.0.0.0.…(499990 more levels)….0.0.0.0");
    expect(refusal({ [`${"k".repeat(100_000)}\u0000`]: 1 })?.field).toBe(`${"k".repeat(63)}…`);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
