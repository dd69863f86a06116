"use client";
// The experiment page's panel for what comes after a search: replay its best schedule, continue
// from its best job, extend it; and where it came from, when it is a replay or a fork.
import Link from "next/link";
import type { Overview } from "../experiment/types";
import { button, sectionHeading } from "../experiment/ui";
import { ExtendForm } from "./extend-form";
import { forkHref } from "./links";
import { Provenance } from "./provenance";
import { ReplayForm } from "./replay-form";

const paper = "underline decoration-dotted underline-offset-2";

export function ExperimentActions({ overview }: { overview: Overview }) {
  const { experiment, best, jobs } = overview;
  const config = experiment.config;
  return (
    <div className="space-y-3">
      <h2 id="lineage-actions-heading" className={sectionHeading}>
        Replay, fork, extend
      </h2>
      <Provenance config={config} jobs={jobs} />
      {config.explore?.kind === "pb2" && (
        <p className="text-sm" data-testid="search-kind">
          Explores with PB2: a Gaussian-process bandit chooses the numeric values of members that exploit (
          <a className={paper} href="https://arxiv.org/abs/2002.02518" target="_blank" rel="noreferrer">
            Parker-Holder et al. 2020
          </a>
          ).
        </p>
      )}
      <div className="grid gap-3 sm:grid-cols-3">
        <div className="space-y-1">
          {best ? (
            <ReplayForm experiment={experiment.name} summary="Replay the best schedule" />
          ) : (
            <span className={`${button} w-full opacity-50`} aria-disabled title="no job has finished yet: there is no schedule to replay">
              Replay the best schedule
            </span>
          )}
          <p className="text-xs text-zinc-600 dark:text-zinc-400">
            Retrain from scratch along the schedule PBT found (
            <a className={paper} href="https://arxiv.org/abs/1711.09846" target="_blank" rel="noreferrer">
              Jaderberg et al. 2017
            </a>
            ), one member per seed.
          </p>
        </div>
        <div className="space-y-1">
          {best ? (
            <Link className={`${button} w-full`} href={forkHref(experiment.name, best.jobId)}>
              Continue from the best job
            </Link>
          ) : (
            <span className={`${button} w-full opacity-50`} aria-disabled title="no job has finished yet: there is no checkpoint to continue from">
              Continue from the best job
            </span>
          )}
          <p className="text-xs text-zinc-600 dark:text-zinc-400">
            A new experiment (its own search space, population, explore) starting from that checkpoint.
          </p>
        </div>
        <div className="space-y-1">
          <ExtendForm experiment={experiment.name} maxGenerations={config.stop.maxGenerations} />
          <p className="text-xs text-zinc-600 dark:text-zinc-400">Raise the lineage depth; each member carries on from where it stands.</p>
        </div>
      </div>
    </div>
  );
}
