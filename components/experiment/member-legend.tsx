"use client";
// Buttons that single out members in every chart (their numbers go into the URL).
import { memberColor } from "../charts/colors";
import { toggle } from "./ui";

export function MemberLegend({ members, selected, onChange }: { members: number[]; selected: number[]; onChange(members: number[]): void }) {
  const chosen = new Set(selected);
  return (
    <div className="flex flex-wrap items-center gap-1" role="group" aria-label="Members to highlight">
      {members.map((m) => (
        <button
          key={m}
          type="button"
          aria-pressed={chosen.has(m)}
          data-legend-member={m}
          className={`${toggle} inline-flex items-center gap-1 tabular-nums`}
          onClick={() => onChange(chosen.has(m) ? selected.filter((x) => x !== m) : [...selected, m])}
        >
          <span aria-hidden className="inline-block size-2 rounded-full" style={{ background: memberColor(m) }} />
          <span className="sr-only">member </span>
          {m}
        </button>
      ))}
      {selected.length > 0 && (
        <button type="button" className={toggle} onClick={() => onChange([])}>
          Show all
        </button>
      )}
    </div>
  );
}
