// The `lineage` command line. Human-readable tables by default, --json for scripts.
// Exit codes: 0 success, 1 the server refused (bad input, not found, conflict), 2 usage,
// 3 server unreachable, 4 `run`: the training command kept failing.
import { createWriteStream, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { Client } from "../client";
import type { JobData } from "../job";
import { ApiError, ConnectionError } from "../errors";
import { formatNumber, formatValues, table } from "./format";
import { runCommand } from "./run";

const USAGE = `lineage — Population Based Training from the command line

Usage:
  lineage create FILE.json|FILE.yaml        create an experiment from its config
  lineage list [--search TEXT] [--status S] [--archived]
                                            experiments and their progress (--archived:
                                            the archived ones too)
  lineage show EXP [JOB]                    an experiment's population, or one job
  lineage push EXP -p name=value ... [--member N]
                                            push a job by hand
  lineage pause|resume|stop EXP             change an experiment's status
  lineage archive|unarchive EXP             hide an experiment from lists, or bring it back
  lineage export EXP --format csv|json [-o FILE]
                                            every job of the experiment
  lineage export EXP --checkpoint [-o FILE] the best job's checkpoint (the model PBT found)
  lineage checkpoint pin|unpin EXP [JOB]    keep a job's checkpoint whatever garbage collection
                                            decides (default: the best job's)
  lineage checkpoint usage EXP              the space checkpoints take and what was freed
  lineage schedule EXP [--job ID]           the best schedule PBT found (or the one that led to job ID)
  lineage replay NEW --from EXP [--job ID] [--seeds N]
  lineage replay NEW --file SCHEDULE.json [--seeds N]
                                            a new experiment that follows that schedule from
                                            scratch (the export of \`lineage schedule EXP --json\`)
  lineage fork JOB NEW [--config FILE]      a new experiment starting from job JOB's checkpoint
                                            (config: FILE's, else JOB's experiment's)
  lineage extend EXP [--generations N] [--max-jobs N]
                                            raise the stopping rule; the members carry on
  lineage run EXP [--max-jobs N] -- CMD ... run CMD for each job (%h = --name value per
                                            hyperparameter, %j = job id, %e = experiment,
                                            %l = checkpoint to load, "" in generation 0,
                                            %s = path to save the checkpoint to: uploaded
                                            when CMD exits with 0)
  lineage token create --role admin|worker|viewer [--name NAME]
                                            create an API token (shown once)
  lineage token list | lineage token revoke ID

Options: --url URL (LINEAGE_URL), --token TOKEN (LINEAGE_TOKEN), --json, -h/--help`;

class UsageError extends Error {}

/** A positive integer option, or undefined when it was not given. */
function optionalInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

function readConfig(path: string) {
  const text = readFileSync(path, "utf8");
  return /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function main(argv: string[]): Promise<number> {
  const dashDash = argv.indexOf("--");
  const command = dashDash >= 0 ? argv.slice(dashDash + 1) : [];
  const { values: opts, positionals } = parseArgs({
    args: dashDash >= 0 ? argv.slice(0, dashDash) : argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      token: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      param: { type: "string", short: "p", multiple: true },
      member: { type: "string" },
      format: { type: "string" },
      checkpoint: { type: "boolean", default: false },
      output: { type: "string", short: "o" },
      "max-jobs": { type: "string" },
      quiet: { type: "boolean", short: "q", default: false },
      role: { type: "string" },
      name: { type: "string" },
      search: { type: "string" },
      status: { type: "string" },
      archived: { type: "boolean", default: false },
      job: { type: "string" },
      from: { type: "string" },
      file: { type: "string" },
      seeds: { type: "string" },
      config: { type: "string" },
      generations: { type: "string" },
    },
  });
  const [verb, ...args] = positionals;
  if (opts.help || !verb) {
    console.log(USAGE);
    return verb || opts.help ? 0 : 2;
  }
  const client = new Client({ url: opts.url, token: opts.token });
  const out = (human: string, data: unknown) => console.log(opts.json ? JSON.stringify(data, null, 2) : human);
  const need = (n: number, what: string) => {
    if (args.length < n) throw new UsageError(`lineage ${verb}: missing ${what}`);
  };

  switch (verb) {
    case "create": {
      need(1, "the config file");
      const text = readFileSync(args[0]!, "utf8");
      const config = /\.ya?ml$/i.test(args[0]!) ? parseYaml(text) : JSON.parse(text);
      const experiment = await client.createExperiment(config);
      out(`created experiment ${JSON.stringify(experiment.name)} (seed ${(experiment.data.config as { seed: number }).seed})`, experiment.data);
      return 0;
    }
    case "list": {
      const experiments = await client.listExperiments({
        ...(opts.search ? { search: opts.search } : {}),
        ...(opts.status ? { status: opts.status as "running" | "paused" | "done" } : {}),
        archived: opts.archived ? "include" : "exclude",
      });
      out(
        experiments.length === 0
          ? "no experiments yet: lineage create FILE.json"
          : table(
              ["name", "status", "metric", "best", "members", "jobs done", "running"],
              experiments.map((e) => [
                e.name,
                e.status,
                `${e.objective} ${e.metric}`,
                e.bestScore,
                `${e.members}/${e.populationSize}`,
                e.jobsDone,
                e.runningJobs,
              ]),
            ),
        experiments,
      );
      return 0;
    }
    case "show": {
      need(1, "the experiment's name");
      if (args[1] !== undefined) {
        const id = Number(args[1]);
        if (!Number.isInteger(id) || id < 1) throw new UsageError(`lineage show: the job id must be a positive integer, got ${JSON.stringify(args[1])}`);
        const job = await client.getJob(id);
        const { diverged, exploitReason } = job;
        out(
          [
            `job ${job.id} of ${job.experiment}: member ${job.member}, generation ${job.generation}, attempt ${job.attempt}, ${job.status}${diverged ? " (diverged)" : ""}`,
            `origin: ${job.origin}${job.donorJobId ? ` (donor job ${job.donorJobId}${exploitReason ? `: ${exploitReason}` : ""})` : ""}${job.parentId ? `, parent job ${job.parentId}` : ""}`,
            `hyperparameters: ${formatValues(job.hyperparameters)}`,
            ...job.mutations.map((m) => `  explore ${m.parameter}: ${JSON.stringify(m.old)} → ${JSON.stringify(m.new)} (${m.operation})`),
            `results: ${formatValues(job.results)}`,
            ...(job.error ? [`error: ${job.error}`] : []),
          ].join("\n"),
          job,
        );
        return 0;
      }
      const experiment = await client.getExperiment(args[0]!);
      // A page of jobs at a time: only each member's latest is kept for the table (--json lists them all).
      const jobs: JobData[] = [];
      const latest = new Map<number, JobData>();
      let done = 0;
      for await (const j of experiment.eachJob()) {
        if (opts.json) jobs.push(j);
        latest.set(j.member, j);
        if (j.status === "done") done++;
      }
      const config = experiment.data.config as { metric: string; objective: string; stop: { maxGenerations: number; target?: number; maxJobs?: number } };
      const { maxGenerations, target, maxJobs } = config.stop;
      // Generation is lineage depth (an exploit jumps to its donor's + 1), so a member may skip
      // generations: progress is counted in jobs, next to the stopping rules.
      const stop = [
        `${maxGenerations} generations`,
        ...(target !== undefined ? [`${config.metric} ${formatNumber(target)}`] : []),
        ...(maxJobs !== undefined ? [`${maxJobs} jobs`] : []),
      ];
      const header = `${experiment.name}: ${experiment.data.status}, ${config.objective} ${config.metric}, ${done} jobs done; stop: ${stop.join(", ")}`;
      out(
        `${header}\n${table(
          ["member", "generation", "status", "score", "hyperparameters", "worker"],
          [...latest.values()]
            .sort((a, b) => a.member - b.member)
            .map((j) => [j.member, j.generation, j.diverged ? "diverged" : j.status, j.score, formatValues(j.hyperparameters), j.workerId]),
        )}`,
        { experiment: experiment.data, jobs },
      );
      return 0;
    }
    case "push": {
      need(1, "the experiment's name");
      const hyperparameters: Record<string, unknown> = {};
      for (const p of opts.param ?? []) {
        const eq = p.indexOf("=");
        if (eq <= 0) throw new UsageError(`lineage push: -p takes name=value, got ${JSON.stringify(p)}`);
        hyperparameters[p.slice(0, eq)] = parseValue(p.slice(eq + 1));
      }
      const member = opts.member === undefined ? undefined : Number(opts.member);
      const experiment = await client.getExperiment(args[0]!);
      const job = await experiment.addJob({ hyperparameters, member });
      out(`queued job ${job.id}: member ${job.member}, generation ${job.generation}, ${formatValues(job.hyperparameters)}`, job);
      return 0;
    }
    case "pause":
    case "resume":
    case "stop": {
      need(1, "the experiment's name");
      const experiment = await client.getExperiment(args[0]!);
      const data = await experiment[verb]();
      out(`${data.name}: ${data.status}`, data);
      return 0;
    }
    case "archive":
    case "unarchive": {
      need(1, "the experiment's name");
      const experiment = await client.getExperiment(args[0]!);
      const data = await experiment[verb]();
      out(`${data.name}: ${data.archivedAt ? "archived" : "not archived"}`, data);
      return 0;
    }
    case "export": {
      need(1, "the experiment's name");
      if (opts.checkpoint) {
        if (opts.format !== undefined) throw new UsageError("lineage export: give --checkpoint or --format, not both");
        const experiment = await client.getExperiment(args[0]!);
        const usage = await experiment.checkpointUsage();
        if (!usage.best) throw new UsageError(`lineage export: ${experiment.name} has no finished job yet`);
        const file = opts.output ?? `${experiment.name.replace(/[^\p{L}\p{N}._-]+/gu, "_")}-job-${usage.best.jobId}.ckpt`;
        await experiment.downloadBestCheckpoint(file);
        out(
          `wrote ${file}: the checkpoint of job ${usage.best.jobId} (member ${usage.best.member}, generation ${usage.best.generation}, ${experiment.data.config.metric} ${formatNumber(usage.best.score)})`,
          { file, ...usage.best },
        );
        return 0;
      }
      const format = opts.format ?? "json";
      if (format !== "csv" && format !== "json") throw new UsageError(`lineage export: --format is csv or json, got ${JSON.stringify(format)}`);
      const experiment = await client.getExperiment(args[0]!);
      // Streamed from the server to the file (or stdout) as it comes.
      if (opts.output) {
        const file = createWriteStream(opts.output);
        try {
          await experiment.exportTo(format, file);
        } finally {
          await new Promise((resolve) => file.end(resolve));
        }
        console.error(`wrote ${opts.output}`);
      } else {
        await experiment.exportTo(format, process.stdout);
      }
      return 0;
    }
    case "schedule": {
      need(1, "the experiment's name");
      const experiment = await client.getExperiment(args[0]!);
      const { schedule, metric } = await experiment.schedule(optionalInt("job", opts.job));
      if (!schedule) {
        out("no finished job yet", { schedule: null });
        return 0;
      }
      out(
        `best job ${schedule.bestJobId}: ${metric} ${schedule.score === null ? "none yet" : formatNumber(schedule.score)}\n${table(
          ["generation", "member", "job", "origin", metric, "hyperparameters"],
          schedule.steps.map((s) => [s.generation, s.member, s.jobId, s.origin, s.score, formatValues(s.hyperparameters as Record<string, unknown>)]),
        )}`,
        schedule,
      );
      return 0;
    }
    case "replay": {
      need(1, "the new experiment's name");
      if ((opts.from === undefined) === (opts.file === undefined)) throw new UsageError("lineage replay: give --from EXP or --file SCHEDULE.json");
      const schedule =
        opts.file !== undefined
          ? JSON.parse(readFileSync(opts.file, "utf8"))
          : await (await client.getExperiment(opts.from!)).schedule(optionalInt("job", opts.job));
      const experiment = await client.replaySchedule({ name: args[0]!, schedule, seeds: optionalInt("seeds", opts.seeds) });
      const steps = experiment.data.config.replay?.steps.length ?? 0;
      out(
        `created experiment ${JSON.stringify(experiment.name)}: ${experiment.data.config.populationSize} member(s) replaying ${steps} generations of ${schedule.experiment}`,
        experiment.data,
      );
      return 0;
    }
    case "fork": {
      need(2, "the job id and the new experiment's name");
      const jobId = optionalInt("job id", args[0])!;
      const source = await client.getJob(jobId);
      const config =
        opts.config !== undefined
          ? readConfig(opts.config)
          : { ...(await client.getExperiment(source.experiment)).data.config, seed: undefined, fork: undefined, replay: undefined };
      const experiment = await client.fork(jobId, { ...config, name: args[1]! });
      out(`created experiment ${JSON.stringify(experiment.name)}, continuing from job ${jobId} of ${source.experiment}`, experiment.data);
      return 0;
    }
    case "extend": {
      need(1, "the experiment's name");
      const maxGenerations = optionalInt("generations", opts.generations);
      const maxJobs = optionalInt("max-jobs", opts["max-jobs"]);
      if (maxGenerations === undefined && maxJobs === undefined) throw new UsageError("lineage extend: give --generations N or --max-jobs N");
      const experiment = await (await client.getExperiment(args[0]!)).extend({ maxGenerations, maxJobs });
      out(
        `${experiment.name}: ${experiment.status}, up to ${experiment.config.stop.maxGenerations} generations${experiment.config.stop.maxJobs ? `, ${experiment.config.stop.maxJobs} jobs` : ""}`,
        experiment,
      );
      return 0;
    }
    case "run": {
      need(1, "the experiment's name");
      if (command.length === 0) throw new UsageError("lineage run: give the training command after --, e.g. lineage run EXP -- python train.py %h");
      const experiment = await client.getExperiment(args[0]!);
      const maxJobs = opts["max-jobs"] === undefined ? undefined : Number(opts["max-jobs"]);
      try {
        const completed = await runCommand(experiment, command, { maxJobs, quiet: opts.quiet });
        console.error(
          `[lineage] ${completed} jobs completed; ${maxJobs !== undefined && completed >= maxJobs ? "reached --max-jobs" : "the experiment is done"}`,
        );
        return 0;
      } catch (error) {
        if (error instanceof ApiError || error instanceof ConnectionError) throw error;
        console.error(`lineage run: the training command kept failing: ${(error as Error).message}`);
        return 4;
      }
    }
    case "checkpoint": {
      const [action, name, jobArg] = args;
      if (action !== "pin" && action !== "unpin" && action !== "usage") throw new UsageError("lineage checkpoint: pin, unpin or usage");
      if (!name) throw new UsageError(`lineage checkpoint ${action}: missing the experiment's name`);
      const experiment = await client.getExperiment(name);
      const usage = await experiment.checkpointUsage();
      if (action === "usage") {
        const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
        out(
          [
            `${experiment.name}: ${usage.stored.count} checkpoints stored (${mib(usage.stored.bytes)}), ${usage.deleted.count} deleted by garbage collection (${mib(usage.deleted.bytes)} freed), ${usage.pinned} pinned; retain ${usage.retain}${usage.keepLast ? `, keepLast ${usage.keepLast}` : ""}`,
            usage.best
              ? `best: job ${usage.best.jobId}${usage.best.checkpoint ? ` (${mib(usage.best.checkpoint.size)}, sha256 ${usage.best.checkpoint.sha256.slice(0, 12)}…)` : " (no checkpoint stored)"}`
              : "best: no finished job yet",
          ].join("\n"),
          usage,
        );
        return 0;
      }
      let id = usage.best?.jobId;
      if (jobArg !== undefined) {
        id = Number(jobArg);
        if (!Number.isInteger(id) || id < 1)
          throw new UsageError(`lineage checkpoint ${action}: the job id must be a positive integer, got ${JSON.stringify(jobArg)}`);
      }
      if (id === undefined) throw new UsageError(`lineage checkpoint ${action}: ${experiment.name} has no finished job yet; give a job id`);
      if ((await client.getJob(id)).experiment !== experiment.name)
        throw new UsageError(`lineage checkpoint ${action}: job ${id} is not a job of ${experiment.name}`);
      const job = await client.pinCheckpoint(id, action === "pin");
      out(`${action === "pin" ? "pinned" : "unpinned"} the checkpoint of job ${job.id} (member ${job.member}, generation ${job.generation})`, job);
      return 0;
    }
    case "token": {
      const [action, id] = args;
      if (action === "create") {
        const role = opts.role;
        if (role !== "admin" && role !== "worker" && role !== "viewer") throw new UsageError("lineage token create: --role is admin, worker or viewer");
        const created = await client.createToken({ name: opts.name ?? `${role} token`, role });
        out(`created ${role} token ${created.id} (${created.name}); it is shown this once:\n\n    ${created.token}\n`, created);
        return 0;
      }
      if (action === "list") {
        const list = await client.listTokens();
        out(
          table(
            ["id", "name", "role", "token", "created", "last used", "revoked"],
            list.map((t) => [t.id, t.name, t.role, `${t.prefix}…`, t.createdAt, t.lastUsedAt, t.revokedAt]),
          ),
          list,
        );
        return 0;
      }
      if (action === "revoke") {
        const n = Number(id);
        if (!Number.isInteger(n) || n < 1) throw new UsageError("lineage token revoke: give the token's id (see lineage token list)");
        const revoked = await client.revokeToken(n);
        out(`revoked token ${revoked.id} (${revoked.name})`, revoked);
        return 0;
      }
      throw new UsageError("lineage token: create, list or revoke");
    }
    default:
      throw new UsageError(`lineage: unknown command ${JSON.stringify(verb)}`);
  }
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ApiError) {
      console.error(`lineage: ${error.message}${error.accepted ? ` (accepted: ${error.accepted})` : ""} [${error.code}]`);
      return 1;
    }
    if (error instanceof ConnectionError) {
      console.error(`lineage: ${error.message}`);
      return 3;
    }
    if (error instanceof SyntaxError) {
      console.error(`lineage: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
