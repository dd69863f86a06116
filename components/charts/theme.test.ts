import { describe, expect, it } from "vitest";
import { along, contrast, THEMES, themeCss, toHex } from "./theme";

describe("chart colours", () => {
  for (const [scheme, c] of Object.entries(THEMES)) {
    it(`keep 3:1 against the ${scheme} background: every member, status and score colour`, () => {
      for (const colour of [...c.members, c.running, c.crashed, c.diverged, c.exploit, c.trace]) {
        expect(contrast(colour, c.background), colour).toBeGreaterThanOrEqual(3);
      }
      // Every colour of the scale, not only its stops.
      for (let t = 0; t <= 1.0001; t += 0.01) expect(contrast(along(c.score, t), c.background)).toBeGreaterThanOrEqual(3);
    });

    it(`run the ${scheme} score scale one way in lightness, the better end standing out more`, () => {
      const against = c.score.map((s) => contrast(s, c.background));
      for (let i = 1; i < against.length; i++) expect(against[i]!).toBeGreaterThan(against[i - 1]!);
    });
  }

  it("give the eight member colours distinct hues in each scheme", () => {
    for (const c of Object.values(THEMES)) expect(new Set(c.members.map((m) => m.toLowerCase())).size).toBe(8);
  });

  it("are written as custom properties for both schemes", () => {
    const css = themeCss();
    expect(css).toContain(`--member-0: ${THEMES.light.members[0]}`);
    expect(css).toContain(`--score-best: ${THEMES.dark.score.at(-1)}`);
    expect(css).toMatch(/@media \(prefers-color-scheme: dark\)/);
  });

  it("read rendered colours back", () => {
    expect(toHex("rgb(0, 114, 178)")).toBe("#0072b2");
    expect(toHex("#abc")).toBe("#aabbcc");
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21);
  });
});
