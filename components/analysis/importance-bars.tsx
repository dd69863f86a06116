// Hyperparameter importance as bars: for the score within its generation, and for the improvement
// over a generation. The method is named where the numbers are, with why it was chosen.
import type { Analysis, Importance } from "@/server/domain/analysis";
import { sectionHeading } from "../experiment/ui";

export function ImportanceSection({ importance }: { importance: Analysis["importance"] }) {
  return (
    <section aria-labelledby="importance-heading" className="space-y-3" data-testid="importance">
      <h2 id="importance-heading" className={sectionHeading}>
        Hyperparameter importance
      </h2>
      <div className="grid gap-6 md:grid-cols-2">
        <Bars
          title="For the score"
          subtitle="the score relative to its generation's mean (a later generation scores more for having trained longer)"
          importance={importance.score}
          testId="importance-score"
        />
        <Bars
          title="For the improvement over a generation"
          subtitle="a job's score minus its parent's: what one generation of training with these values brought"
          importance={importance.improvement}
          testId="importance-improvement"
        />
      </div>
      <div className="rounded-lg bg-zinc-50 p-3 text-xs leading-relaxed text-zinc-700 dark:bg-zinc-900 dark:text-zinc-300" data-testid="importance-method">
        <p>
          <strong className="font-medium">Method: functional ANOVA of main effects.</strong> An additive least-squares model of the target with one effect per
          hyperparameter (numeric values in up to 8 quantile bins, choice values as they are); a parameter&apos;s importance is the share of the target&apos;s
          variance that only it explains (Type II sums of squares, as ω², corrected for its number of bins, so a parameter that does not matter scores near 0).
        </p>
        <p className="mt-1">
          <strong className="font-medium">Why:</strong> it needs no surrogate model (unlike fANOVA on a random forest or permutation importance), so it is
          exact, deterministic and fast on 100,000 jobs; a log or linear scale gives the same answer; and it fits every parameter at once, which matters in PBT,
          where a member&apos;s values travel together from one generation to the next. It does not see interactions between parameters, and PBT&apos;s jobs are
          not independent draws (a copy shares its donor&apos;s values), so read small differences with care.
        </p>
      </div>
    </section>
  );
}

function Bars({ title, subtitle, importance, testId }: { title: string; subtitle: string; importance: Importance; testId: string }) {
  return (
    <figure className="rounded-lg border border-zinc-200 p-3 dark:border-zinc-800" data-testid={testId}>
      <figcaption>
        <span className="text-sm font-medium">{title}</span>
        <span className="block text-xs text-zinc-600 dark:text-zinc-400">
          {subtitle}; {importance.samples} jobs
        </span>
      </figcaption>
      {importance.parameters.length === 0 ? (
        <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">No hyperparameters.</p>
      ) : (
        <table className="mt-3 w-full text-sm">
          <thead className="sr-only">
            <tr>
              <th scope="col">Hyperparameter</th>
              <th scope="col">Share of the variance it alone explains</th>
            </tr>
          </thead>
          <tbody>
            {importance.parameters.map((p) => (
              <tr key={p.parameter} data-parameter={p.parameter} data-importance={p.importance ?? ""}>
                <th scope="row" className="w-32 py-1 pr-3 text-left font-mono text-xs font-normal break-all">
                  {p.parameter}
                </th>
                <td className="py-1">
                  {p.importance === null ? (
                    <span className="text-xs text-zinc-600 dark:text-zinc-400">{p.groups < 2 ? "never varies" : "too few jobs to tell"}</span>
                  ) : (
                    <div className="flex items-center gap-2">
                      <div className="h-3 flex-1 overflow-hidden rounded-sm bg-zinc-100 dark:bg-zinc-800" aria-hidden>
                        <div className="h-full bg-emerald-600 dark:bg-emerald-400" style={{ width: `${Math.max(0.5, p.importance * 100)}%` }} />
                      </div>
                      <span className="w-12 text-right text-xs tabular-nums">{(p.importance * 100).toFixed(p.importance < 0.1 ? 1 : 0)}%</span>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}
