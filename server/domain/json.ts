// Small shapes every contract uses.
import { z } from "zod";

/** Dates travel as ISO 8601 text in every answer and event. */
export const isoDate = z.string().describe("ISO 8601 date-time");

export const toIso = (d: Date) => d.toISOString();
export const toIsoOrNull = (d: Date | null) => (d ? d.toISOString() : null);
