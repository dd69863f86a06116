// A simulated worker for integration tests: real HTTP, no training. Records what it was handed
// and what it reported, so tests can check that nothing was handed out twice or lost.
export interface Claim {
  jobId: number;
  member: number;
  generation: number;
  worker: string;
  reported: number;
}

async function post(url: string, body: unknown) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

/** Runs until the experiment is done; `urls` are the server processes it alternates between. */
export async function simulatedWorker(urls: string[], experiment: string, worker: string, claims: Claim[]) {
  const name = encodeURIComponent(experiment);
  for (let i = 0; ; i++) {
    const base = `${urls[i % urls.length]}/api/v1`;
    const next = await post(`${base}/experiments/${name}/next-job`, { workerId: worker });
    if (next.status !== 200) throw new Error(`next-job: ${next.status} ${JSON.stringify(next.body)}`);
    if (next.body.status === "done") return;
    if (next.body.status === "wait") {
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
      continue;
    }
    const { job, leaseToken } = next.body;
    // A score unique to this job, so a result stored on the wrong job would show.
    const reported = job.id * 1000 + job.member;
    claims.push({ jobId: job.id, member: job.member, generation: job.generation, worker, reported });
    const metrics = await post(`${base}/jobs/${job.id}/metrics`, { leaseToken, points: [{ step: job.generation, values: { score: reported } }] });
    if (metrics.status !== 200) throw new Error(`metrics: ${metrics.status} ${JSON.stringify(metrics.body)}`);
    const done = await post(`${base}/jobs/${job.id}/complete`, { leaseToken, results: { score: reported, worker } });
    if (done.status !== 200) throw new Error(`complete: ${done.status} ${JSON.stringify(done.body)}`);
  }
}
