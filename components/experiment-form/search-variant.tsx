// How members' hyperparameters change when they exploit: PBT's per-hyperparameter strategies or
// PB2's bandit. Each variant in a sentence, with its paper; replay, fork and extend (actions on an
// existing experiment) are explained beside their buttons.
import { input, sectionHeading } from "../experiment/ui";
import { controlProps, Field } from "./field";
import type { FormState } from "./form-state";

const link = "underline decoration-dotted underline-offset-2 hover:text-emerald-700 dark:hover:text-emerald-400";

export function SearchVariant({ value, error, onChange }: { value: FormState["search"]; error?: string; onChange(value: FormState["search"]): void }) {
  return (
    <section aria-labelledby="search-heading" className="space-y-4">
      <h2 id="search-heading" className={sectionHeading}>
        Search
      </h2>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field path="explore.kind" label="Explore" error={error}>
          <select {...controlProps("explore.kind", error)} className={input} value={value} onChange={(ev) => onChange(ev.target.value as FormState["search"])}>
            <option value="pbt">PBT: each hyperparameter&apos;s own strategy</option>
            <option value="pb2">PB2: a Gaussian-process bandit</option>
          </select>
        </Field>
        <div className="space-y-1 text-sm text-zinc-600 sm:col-span-2 dark:text-zinc-400" data-testid="search-variants">
          <p>
            <strong className="font-medium text-zinc-800 dark:text-zinc-200">PBT</strong> perturbs or resamples each hyperparameter at random when a member
            copies a better one (
            <a className={link} href="https://arxiv.org/abs/1711.09846" target="_blank" rel="noreferrer">
              Jaderberg et al. 2017
            </a>
            ).
          </p>
          <p>
            <strong className="font-medium text-zinc-800 dark:text-zinc-200">PB2</strong> instead picks the uniform, loguniform and int values that explore by
            the optimistic guess (GP-UCB) of a time-varying Gaussian process fitted to how much each choice improved the score, which its paper finds needs far
            smaller populations (
            <a className={link} href="https://arxiv.org/abs/2002.02518" target="_blank" rel="noreferrer">
              Parker-Holder et al. 2020
            </a>
            ); choice hyperparameters keep their own strategy (PB2&apos;s bandit over categories,{" "}
            <a className={link} href="https://arxiv.org/abs/2106.15883" target="_blank" rel="noreferrer">
              Parker-Holder et al. 2021
            </a>
            , is not implemented).
          </p>
        </div>
      </div>
    </section>
  );
}
