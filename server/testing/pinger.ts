// Measures how responsive a server stays: a child process (so that the caller's own work does not
// delay it) GETs a URL every `intervalMs` and reports the latencies when stopped. `ready` resolves
// once the first answer came back, so what follows is measured from its start.
import { spawn } from "node:child_process";

const SCRIPT = `
const [url, interval] = [process.argv[1], Number(process.argv[2])];
const latencies = [];
let running = true;
process.stdin.on("data", () => (running = false));
(async () => {
  while (running) {
    const started = performance.now();
    const answer = await fetch(url).catch(() => null);
    latencies.push(answer && answer.ok ? performance.now() - started : -1);
    if (latencies.length === 1) process.stderr.write("ready\\n");
    await answer?.arrayBuffer().catch(() => null);
    await new Promise((r) => setTimeout(r, interval));
  }
  process.stdout.write(JSON.stringify(latencies));
})();
`;

export interface PingFigures {
  count: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
}

export function startPinger(url: string, intervalMs = 20): { ready: Promise<void>; stop(): Promise<PingFigures> } {
  const child = spawn(process.execPath, ["-e", SCRIPT, url, String(intervalMs)], { stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    // Its first line on stderr says it is ready; anything else it prints goes to ours.
    let first: string | null = "";
    child.stderr.on("data", (d) => {
      if (first === null) return void process.stderr.write(d);
      first += d;
      if (!first.includes("\n")) return;
      if (first.startsWith("ready\n")) resolve();
      process.stderr.write(first.startsWith("ready\n") ? first.slice(6) : first);
      first = null;
    });
    void exited.then(() => reject(new Error("the pinger exited before its first answer")));
  });
  ready.catch(() => {}); // a caller that does not wait for it sees the failure in stop()
  return {
    ready,
    async stop() {
      child.stdin.end("stop\n");
      await exited;
      const all = JSON.parse(output || "[]") as number[];
      const ok = all.filter((l) => l >= 0).sort((a, b) => a - b);
      const at = (q: number) => ok[Math.min(ok.length - 1, Math.floor(q * ok.length))] ?? NaN;
      return { count: all.length, failed: all.length - ok.length, p50: at(0.5), p99: at(0.99), max: ok.at(-1) ?? NaN };
    },
  };
}
