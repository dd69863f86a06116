import { expect, it } from "vitest";
import { GroupCommit, type Outcome } from "./groupCommit";

/** A group commit whose writes are recorded; inputs "bad" fail alone, "poison" fails the whole group. */
function recorder(maxGroup?: number) {
  const groups: string[][] = [];
  const commit = new GroupCommit<string, string, string>(async (key, inputs) => {
    groups.push([key, ...inputs]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (inputs.includes("poison")) throw new Error("poisoned group");
    return inputs.map((i): Outcome<string> => (i === "bad" ? { error: new Error(`bad ${key}`) } : { value: `${key}:${i}` }));
  }, maxGroup);
  return { groups, commit };
}

it("writes the calls that wait together in one group per key, in arrival order", async () => {
  const { groups, commit } = recorder();
  const first = await Promise.all([commit.submit("a", "1"), commit.submit("a", "2"), commit.submit("b", "1")]);
  expect(first).toEqual(["a:1", "a:2", "b:1"]);
  // While a group is written, the next calls wait and go together.
  const running = commit.submit("a", "3");
  await new Promise((resolve) => setImmediate(resolve));
  const waiting = [commit.submit("a", "4"), commit.submit("a", "5")];
  expect(await Promise.all([running, ...waiting])).toEqual(["a:3", "a:4", "a:5"]);
  expect(groups).toEqual([
    ["a", "1", "2"],
    ["b", "1"],
    ["a", "3"],
    ["a", "4", "5"],
  ]);
});

it("fails only the input an outcome refuses", async () => {
  const { commit } = recorder();
  const settled = await Promise.allSettled([commit.submit("a", "1"), commit.submit("a", "bad"), commit.submit("a", "2")]);
  expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
});

it("writes a group that threw again one input at a time, so only the input at fault fails", async () => {
  const { groups, commit } = recorder();
  const settled = await Promise.allSettled([commit.submit("a", "1"), commit.submit("a", "poison"), commit.submit("a", "2")]);
  expect(settled).toMatchObject([
    { status: "fulfilled", value: "a:1" },
    { status: "rejected", reason: { message: "poisoned group" } },
    { status: "fulfilled", value: "a:2" },
  ]);
  expect(groups).toEqual([
    ["a", "1", "poison", "2"],
    ["a", "1"],
    ["a", "poison"],
    ["a", "2"],
  ]);
});

it("keeps groups within their size limit", async () => {
  const { groups, commit } = recorder(2);
  await Promise.all(["1", "2", "3", "4", "5"].map((i) => commit.submit("a", i)));
  expect(groups).toEqual([
    ["a", "1", "2"],
    ["a", "3", "4"],
    ["a", "5"],
  ]);
});
