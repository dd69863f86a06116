// How long a job ran, in words a person reads at a glance.

/** "0.4 s", "42 s", "3 min 12 s", "2 h 5 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  if (!(ms >= 0)) return "—";
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** A job's running time: started to finished, or to `now` while it runs; null before it starts. */
export function jobDuration(job: { startedAt: string | null; finishedAt: string | null }, now: number): { ms: number; running: boolean } | null {
  if (!job.startedAt) return null;
  const start = Date.parse(job.startedAt);
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now;
  return { ms: Math.max(0, end - start), running: !job.finishedAt };
}
