import { expect, it } from "vitest";
import { waitFor } from "./waitFor";

it("resolves with the condition's first truthy value, checking again until then", async () => {
  let checks = 0;
  expect(await waitFor(() => (++checks === 3 ? { at: checks } : null), { intervalMs: 1 })).toEqual({ at: 3 });
  expect(await waitFor(async () => "now")).toBe("now");
});

it("fails after its deadline, naming what it waited for", async () => {
  await expect(waitFor(() => false, { timeoutMs: 0, what: "the moon" })).rejects.toThrow("timed out after 0 ms waiting for the moon");
});
