// A labelled form control with its error beside it.
import type { ReactNode } from "react";
import { fieldError, label } from "../experiment/ui";

/** The DOM id of the control for a dotted field path. */
export const fieldId = (path: string) => `field-${path.replace(/[^A-Za-z0-9_-]/g, "_")}`;

export function Field({ path, label: text, error, hint, children }: { path: string; label: string; error?: string; hint?: string; children: ReactNode }) {
  return (
    <div>
      <label htmlFor={fieldId(path)} className={label}>
        {text}
      </label>
      <div className="mt-1">{children}</div>
      {hint && !error && <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">{hint}</p>}
      {error && (
        <p id={`${fieldId(path)}-error`} className={fieldError} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** Props wiring a control to its label and error. */
export function controlProps(path: string, error: string | undefined) {
  return {
    id: fieldId(path),
    name: path,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": error ? `${fieldId(path)}-error` : undefined,
  } as const;
}
