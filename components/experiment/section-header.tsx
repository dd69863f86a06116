import type { ReactNode } from "react";
import { sectionHeading } from "./ui";

/** A dashboard section's heading (its id labels the section), with its controls on the right. */
export function SectionHeader({ id, title, children }: { id: string; title: string; children?: ReactNode }) {
  return (
    <div className="flex flex-wrap items-end justify-between gap-3">
      <h2 id={id} className={sectionHeading}>
        {title}
      </h2>
      {children}
    </div>
  );
}
