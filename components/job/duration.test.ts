import { describe, expect, it } from "vitest";
import { formatDuration, jobDuration } from "./duration";

describe("a job's duration", () => {
  it("reads at a glance at every scale", () => {
    expect(formatDuration(420)).toBe("0.4 s");
    expect(formatDuration(42_000)).toBe("42 s");
    expect(formatDuration(192_000)).toBe("3 min 12 s");
    expect(formatDuration((2 * 60 + 5) * 60_000)).toBe("2 h 5 min");
    expect(formatDuration((3 * 24 + 4) * 3_600_000)).toBe("3 d 4 h");
    expect(formatDuration(Number.NaN)).toBe("—");
  });

  it("runs from the start to the finish, or to now while the job runs", () => {
    const startedAt = "2026-11-30T10:00:00.000Z";
    expect(jobDuration({ startedAt: null, finishedAt: null }, Date.parse(startedAt))).toBeNull();
    expect(jobDuration({ startedAt, finishedAt: "2026-11-30T10:01:30.000Z" }, 0)).toEqual({ ms: 90_000, running: false });
    expect(jobDuration({ startedAt, finishedAt: null }, Date.parse(startedAt) + 5_000)).toEqual({ ms: 5_000, running: true });
  });
});
