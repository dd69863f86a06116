// Client-side validation with the server's own schema; issues keyed by dotted field path.
import { experimentConfigSchema } from "@/server/pbt/config";
import type { FormState } from "./form-state";
import { toConfig } from "./form-state";

export function validate(state: FormState): { errors: Record<string, string>; config: unknown } {
  const config = toConfig(state);
  const errors: Record<string, string> = {};
  const names = new Map<string, number>();
  for (const row of state.hyperparameters) names.set(row.name, (names.get(row.name) ?? 0) + 1);
  for (const [name, count] of names) {
    if (count > 1) errors[`hyperparameters.${name}`] = "two hyperparameters have this name";
  }
  const result = experimentConfigSchema.safeParse(config);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = issue.path.join(".");
      let message = issue.message;
      if (issue.code === "invalid_key") message = "names are identifiers: letters, digits, _ . - (at most 64 characters)";
      else if (/received undefined/.test(message)) message = "required";
      else if (/received NaN/.test(message)) message = "must be a number";
      errors[field] ??= message;
    }
  }
  return { errors, config: result.success ? result.data : config };
}
