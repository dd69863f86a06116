// Coalescing live messages, on a clock the test moves (vitest's fake timers) and animation frames
// it hands out itself: nothing here waits for real time.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { batcher, coalescedRefetch, frameBatcher } from "./throttle";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("batcher", () => {
  it("hands over what arrived within `ms` in one batch, and starts a new one after", () => {
    const batches: number[][] = [];
    const b = batcher<number>((items) => batches.push(items), 100);
    b.push(1);
    vi.advanceTimersByTime(60);
    b.push(2);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(40);
    expect(batches).toEqual([[1, 2]]);
    b.push(3);
    vi.advanceTimersByTime(100);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it("drops what it holds when cancelled", () => {
    const batches: number[][] = [];
    const b = batcher<number>((items) => batches.push(items), 100);
    b.push(1);
    b.cancel();
    vi.advanceTimersByTime(1_000);
    expect(batches).toEqual([]);
  });
});

describe("frameBatcher", () => {
  /** The browser's animation frames, drawn when the test says. */
  function frames() {
    let next = 1;
    const waiting = new Map<number, FrameRequestCallback>();
    vi.stubGlobal("requestAnimationFrame", (callback: FrameRequestCallback) => (waiting.set(next, callback), next++));
    vi.stubGlobal("cancelAnimationFrame", (id: number) => waiting.delete(id));
    return {
      get requested() {
        return waiting.size;
      },
      draw() {
        const due = [...waiting.values()];
        waiting.clear();
        for (const callback of due) callback(performance.now());
      },
    };
  }

  it("hands over everything that arrived before a frame at that frame, asking for one frame at a time", () => {
    const browser = frames();
    const batches: string[][] = [];
    const b = frameBatcher<string>((items) => batches.push(items));
    b.push("a");
    b.push("b");
    expect(browser.requested).toBe(1);
    browser.draw();
    expect(batches).toEqual([["a", "b"]]);
    b.push("c");
    browser.draw();
    expect(batches).toEqual([["a", "b"], ["c"]]);
  });

  it("in a hidden tab, which draws no frames, hands over on a timer instead, once", () => {
    const browser = frames();
    const batches: string[][] = [];
    const b = frameBatcher<string>((items) => batches.push(items), 1_000);
    b.push("a");
    vi.advanceTimersByTime(999);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([["a"]]);
    expect(browser.requested).toBe(0); // the frame asked for was given back
  });

  it("drops what it holds when cancelled", () => {
    const browser = frames();
    const batches: string[][] = [];
    const b = frameBatcher<string>((items) => batches.push(items));
    b.push("a");
    b.cancel();
    browser.draw();
    vi.advanceTimersByTime(5_000);
    expect(batches).toEqual([]);
  });
});

describe("coalescedRefetch", () => {
  /** A refetch that lands when the test says. */
  function refetches() {
    const started: (() => void)[] = [];
    return {
      started,
      refetch: () => new Promise<void>((resolve) => started.push(resolve)),
    };
  }

  it("refetches at once, then at most every `ms`, however many ask meanwhile", async () => {
    const { started, refetch } = refetches();
    const request = coalescedRefetch(refetch, 500);
    request();
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toHaveLength(1);
    started[0]!();
    await vi.advanceTimersByTimeAsync(100);
    request();
    request();
    await vi.advanceTimersByTimeAsync(399);
    expect(started).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toHaveLength(2);
  });

  it("never runs two at once, nor cancels one in flight: a request meanwhile runs once after it lands", async () => {
    const { started, refetch } = refetches();
    const request = coalescedRefetch(refetch, 100);
    request();
    await vi.advanceTimersByTimeAsync(0);
    request();
    request();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(started).toHaveLength(1); // the first has not landed
    started[0]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toHaveLength(2);
    started[1]!();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(started).toHaveLength(2);
  });

  it("keeps going after a refetch that failed, and runs nothing once cancelled", async () => {
    let calls = 0;
    const request = coalescedRefetch(async () => {
      calls++;
      throw new Error("offline");
    }, 100);
    request();
    await vi.advanceTimersByTimeAsync(0);
    request();
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(2);
    request();
    request.cancel();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
  });
});
