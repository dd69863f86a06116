"use client";
// One hyperparameter of the form: its name, initial distribution and explore strategy, with a
// preview of values sampled from the distribution.
import { distributionSchema } from "@/server/pbt/config";
import { sample } from "@/server/pbt/distributions";
import { createRng } from "@/server/pbt/rng";
import { formatValue } from "../format";
import { button, input } from "../experiment/ui";
import { controlProps, Field } from "./field";
import { DISTRIBUTION_KINDS, distributionOf, EXPLORE_KINDS, type HyperparameterRow } from "./form-state";

const PREVIEW_COUNT = 6;

export function HyperparameterRowEditor({
  row,
  index,
  errors,
  seed,
  onChange,
  onRemove,
}: {
  row: HyperparameterRow;
  index: number;
  errors: Record<string, string>;
  seed: string;
  onChange(change: Partial<HyperparameterRow>): void;
  onRemove(): void;
}) {
  const p = `hyperparameters.${row.name}`;
  const e = (suffix: string) => errors[`${p}.${suffix}`];
  const text = (suffix: string, labelText: string, key: keyof HyperparameterRow, hint?: string) => (
    <Field path={`${p}.${suffix}`} label={labelText} error={e(suffix)} hint={hint}>
      <input
        {...controlProps(`${p}.${suffix}`, e(suffix))}
        className={input}
        value={row[key] as string}
        onChange={(ev) => onChange({ [key]: ev.target.value })}
      />
    </Field>
  );
  const numeric = ["uniform", "loguniform", "normal", "int"].includes(row.kind);
  return (
    <fieldset
      className="rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
      aria-label={`Hyperparameter ${index + 1}${row.name ? `: ${row.name}` : ""}`}
    >
      <div className="grid gap-3 sm:grid-cols-[1.2fr_1fr_auto]">
        <Field path={p} label="Name" error={errors[p]}>
          <input {...controlProps(p, errors[p])} className={`${input} font-mono`} value={row.name} onChange={(ev) => onChange({ name: ev.target.value })} />
        </Field>
        <Field path={`${p}.init.kind`} label="Initial distribution" error={e("init.kind")}>
          <select
            {...controlProps(`${p}.init.kind`, e("init.kind"))}
            className={input}
            value={row.kind}
            onChange={(ev) => onChange({ kind: ev.target.value as HyperparameterRow["kind"] })}
          >
            {DISTRIBUTION_KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </Field>
        <div className="flex items-end">
          <button type="button" className={button} onClick={onRemove} aria-label={`Remove hyperparameter ${row.name || index + 1}`}>
            Remove
          </button>
        </div>
      </div>
      <div className="mt-3 grid gap-3 sm:grid-cols-4">
        {(row.kind === "uniform" || row.kind === "loguniform" || row.kind === "int") && (
          <>
            {text("init.low", "Low", "low")}
            {text("init.high", "High", "high")}
          </>
        )}
        {row.kind === "normal" && (
          <>
            {text("init.mean", "Mean", "mean")}
            {text("init.std", "Standard deviation", "std")}
          </>
        )}
        {row.kind === "choice" && (
          <>
            <div className="sm:col-span-2">{text("init.values", "Values", "values", 'comma-separated, or a JSON list: ["relu", "tanh"]')}</div>
            {text("init.weights", "Weights (optional)", "weights", "one per value")}
          </>
        )}
        {row.kind === "const" && <div className="sm:col-span-2">{text("init.value", "Value", "value", "a JSON value or text")}</div>}
      </div>
      <div className="mt-3 grid gap-3 sm:grid-cols-4">
        <Field path={`${p}.explore.kind`} label="Explore" error={e("explore.kind")}>
          <select
            {...controlProps(`${p}.explore.kind`, e("explore.kind"))}
            className={input}
            value={row.explore}
            onChange={(ev) => onChange({ explore: ev.target.value as HyperparameterRow["explore"] })}
          >
            {EXPLORE_KINDS.map((k) => (
              <option
                key={k}
                value={k}
                disabled={
                  (k === "shift" && row.kind !== "choice") ||
                  (k === "perturb" && !numeric) ||
                  (k === "pb2" && !["uniform", "loguniform", "int"].includes(row.kind))
                }
              >
                {k === "none" ? "none (fixed)" : k === "pb2" ? "pb2 (GP bandit)" : k}
              </option>
            ))}
          </select>
        </Field>
        {row.explore === "pb2" && (
          <p className="self-end pb-2 text-xs text-zinc-600 sm:col-span-3 dark:text-zinc-400">
            chosen with the other pb2 parameters by a Gaussian-process bandit over the population&apos;s history
          </p>
        )}
        {row.explore === "resample" && text("explore.probability", "Resample probability", "probability")}
        {row.explore === "resample" && row.kind === "choice" && <p className="self-end pb-2 text-xs text-zinc-500">otherwise a step to a neighbouring value</p>}
        {numeric && (row.explore === "perturb" || row.explore === "resample") && (
          <>
            <Field path={`${p}.explore.factorMode`} label="Perturb by">
              <select
                {...controlProps(`${p}.explore.factorMode`, undefined)}
                className={input}
                value={row.factorMode}
                onChange={(ev) => onChange({ factorMode: ev.target.value as HyperparameterRow["factorMode"] })}
              >
                <option value="range">a factor in a range</option>
                <option value="factors">one of listed factors</option>
              </select>
            </Field>
            {row.factorMode === "range" ? (
              <div className="grid grid-cols-2 gap-2">
                {text("explore.minFactor", "Min factor", "minFactor")}
                {text("explore.maxFactor", "Max factor", "maxFactor")}
              </div>
            ) : (
              text("explore.factors", "Factors", "factors", "e.g. 0.8, 1.2")
            )}
          </>
        )}
      </div>
      <Preview row={row} seed={seed} />
    </fieldset>
  );
}

function Preview({ row, seed }: { row: HyperparameterRow; seed: string }) {
  const parsed = distributionSchema.safeParse(distributionOf(row));
  if (!parsed.success) return null;
  const s = Number(seed);
  const rng = createRng(seed.trim() !== "" && Number.isInteger(s) && s >= 0 ? s : 1);
  const values = Array.from({ length: PREVIEW_COUNT }, () => sample(parsed.data, rng));
  return (
    <p className="mt-3 text-xs text-zinc-600 dark:text-zinc-400" data-testid={`preview-${row.name}`}>
      Sampled: <span className="font-mono">{values.map((v) => formatValue(v)).join(", ")}</span>
    </p>
  );
}
