// The experiment page tells the PBT story: exploit edges that go forward from the donor, a traced
// lineage highlighted in the tree, the curves and the schedules (checked against the API), the
// best schedule as exported, colours that keep 3:1 in both colour schemes, a first load that
// recovers, the offline state, and the summary that appears live at the end of a run. The tree
// and the charts are canvases: their elements carry the scene they drew, which these tests read.
import { readFileSync } from "node:fs";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { contrast, toHex } from "../components/charts/theme";
import { edgeCurve } from "../components/experiment/tree-layout";
import {
  apiJobs,
  apiPath,
  asyncToyConfig,
  chainFromApi,
  lineageFromApi,
  pushInitialMembers,
  runToyToEnd,
  saveScreenshot,
  startToyWorkers,
  stopWorkers,
  toyConfig,
  uniqueName,
  type ApiJob,
} from "./fixtures";

test.describe.configure({ mode: "serial" });

const VIEWPORT = { width: 1366, height: 768 };
const pagePath = (name: string, query = "") => `/experiments/${encodeURIComponent(name)}${query}`;

interface DrawnNode {
  id: number;
  generation: number;
  member: number;
  x: number;
  y: number;
  r: number;
  superseded: boolean;
}
interface DrawnTree {
  nodes: DrawnNode[];
  edges: { from: number; to: number; exploit: boolean; x1: number; y1: number; x2: number; y2: number }[];
  traced: number[];
}

async function drawnTree(page: Page): Promise<DrawnTree> {
  return page.getByTestId("lineage-tree-canvas").evaluate((el) => {
    const drawn = (
      el as unknown as {
        lineageTree?: {
          scene: {
            nodes: { job: { id: number; generation: number; member: number }; x: number; y: number; r: number; superseded: boolean }[];
            edges: DrawnTree["edges"];
          };
          traced: Set<number> | null;
        };
      }
    ).lineageTree;
    if (!drawn) return { nodes: [], edges: [], traced: [] };
    return {
      nodes: drawn.scene.nodes.map((n) => ({
        id: n.job.id,
        generation: n.job.generation,
        member: n.job.member,
        x: n.x,
        y: n.y,
        r: n.r,
        superseded: n.superseded,
      })),
      edges: drawn.scene.edges.map((e) => ({ ...e })),
      traced: drawn.traced ? [...drawn.traced].sort((a, b) => a - b) : [],
    };
  });
}

/** Every exploit edge on the page goes from the donor's node at generation g to its copy at g + 1, through no other node. */
function checkExploitEdges(tree: DrawnTree, jobs: ApiJob[]) {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const node = new Map(tree.nodes.map((n) => [n.id, n]));
  const exploits = tree.edges.filter((e) => e.exploit);
  const drawnExploitJobs = jobs.filter((j) => j.origin === "exploit" && node.has(j.id));
  expect(exploits.map((e) => e.to).sort((a, b) => a - b)).toEqual(drawnExploitJobs.map((j) => j.id).sort((a, b) => a - b));
  for (const e of exploits) {
    const child = byId.get(e.to)!;
    const donor = node.get(e.from)!;
    expect(e.from, `edge into job ${e.to}`).toBe(child.donorJobId);
    expect(child.generation).toBe(byId.get(e.from)!.generation + 1);
    expect([e.x1, e.y1]).toEqual([donor.x, donor.y]);
    const to = node.get(e.to)!;
    expect([e.x2, e.y2]).toEqual([to.x, to.y]);
    const [x0, y0, c1x, c1y, c2x, c2y, x3, y3] = edgeCurve(e);
    for (let t = 0.02; t < 0.99; t += 0.02) {
      const u = 1 - t;
      const px = u * u * u * x0 + 3 * u * u * t * c1x + 3 * u * t * t * c2x + t * t * t * x3;
      const py = u * u * u * y0 + 3 * u * u * t * c1y + 3 * u * t * t * c2y + t * t * t * y3;
      for (const n of tree.nodes) {
        if (n.id === e.from || n.id === e.to) continue;
        expect(Math.hypot(n.x - px, n.y - py), `edge ${e.from}→${e.to} passes job ${n.id}`).toBeGreaterThan(n.r);
      }
    }
  }
  return exploits.length;
}

/** The contrast of every member colour and both ends of the score scale against the page's background, as rendered. */
async function renderedContrasts(page: Page): Promise<{ what: string; ratio: number }[]> {
  const colours = await page.evaluate(() => {
    // Any CSS colour (tailwind's are oklch) as the sRGB the screen shows: painted on a canvas and read back.
    const ctx = document.createElement("canvas").getContext("2d", { willReadFrequently: true })!;
    const srgb = (css: string) => {
      ctx.clearRect(0, 0, 1, 1);
      ctx.fillStyle = "#000";
      ctx.fillStyle = css;
      ctx.fillRect(0, 0, 1, 1);
      const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data;
      return `rgb(${r}, ${g}, ${b})`;
    };
    const bg = srgb(getComputedStyle(document.body).backgroundColor);
    const swatches = [...document.querySelectorAll("[data-legend-member] > span[aria-hidden]")].map((el) => ({
      what: `member ${el.parentElement!.getAttribute("data-legend-member")}`,
      colour: srgb(getComputedStyle(el).backgroundColor),
    }));
    const ends = ["score-worst", "score-best"].map((id) => ({
      what: id,
      colour: srgb(getComputedStyle(document.querySelector(`[data-testid=${id}]`)!).backgroundColor),
    }));
    // The eight member colours, whether or not the legend shows that many members.
    const probe = document.createElement("span");
    document.body.append(probe);
    const palette = Array.from({ length: 8 }, (_, i) => {
      probe.style.color = `var(--member-${i})`;
      return { what: `--member-${i}`, colour: srgb(getComputedStyle(probe).color) };
    });
    probe.remove();
    return { bg, list: [...swatches, ...ends, ...palette] };
  });
  return colours.list.map((c) => ({ what: c.what, ratio: contrast(toHex(c.colour), toHex(colours.bg)) }));
}

async function openPage(browser: Browser, scheme: "light" | "dark", path: string) {
  const context = await browser.newContext({ colorScheme: scheme, viewport: VIEWPORT });
  const page = await context.newPage();
  await page.goto(path);
  return page;
}

test.describe("a finished async run", () => {
  const name = uniqueName("e2e story ✓");
  let jobs: ApiJob[] = [];

  test.beforeAll(async ({ request, baseURL }) => {
    test.setTimeout(120_000);
    expect((await request.post("/api/v1/experiments", { data: { ...asyncToyConfig(name, 10), populationSize: 4 } })).status()).toBe(201);
    await pushInitialMembers(request, name);
    // One worker: in async mode each decision then sees every member's latest score, so the
    // bottom half copies the top half every round (exploits by construction, not by timing).
    await runToyToEnd(baseURL!, name, 1);
    jobs = await apiJobs(request, name);
    expect(jobs.some((j) => j.origin === "exploit")).toBe(true);
  });

  test("draws every exploit edge from the donor's node at generation g to its copy at g + 1", async ({ page }) => {
    await page.setViewportSize(VIEWPORT);
    await page.goto(pagePath(name));
    await expect(page.getByTestId("lineage-tree")).toHaveAttribute("data-jobs", String(jobs.length));
    await expect.poll(async () => (await drawnTree(page)).nodes.length).toBe(jobs.length);
    const edges = checkExploitEdges(await drawnTree(page), jobs);
    expect(edges).toBeGreaterThan(0);
  });

  test("traces the best lineage by default, and any job clicked: exactly its ancestors and descendants, in the tree, curves and schedules", async ({
    page,
    request,
  }, testInfo) => {
    await page.setViewportSize(VIEWPORT);
    await page.goto(pagePath(name));
    const schedule = (await (await request.get(`${apiPath(name)}/schedule`)).json()).schedule as { bestJobId: number };
    await expect(page.getByTestId("lineage-tree")).toHaveAttribute("data-traced-job", String(schedule.bestJobId));
    const expectTraced = async (jobId: number) => {
      const expected = [...lineageFromApi(jobs, jobId)].sort((a, b) => a - b);
      await expect.poll(async () => (await drawnTree(page)).traced).toEqual(expected);
      // The curves draw the same lineage: every traced job with points, and no other.
      const curveJobs = await page
        .getByTestId("curves-canvas")
        .evaluate((el) => (el as unknown as { lineageCurves: { trace: { jobId: number }[] } }).lineageCurves.trace.map((p) => p.jobId));
      expect(curveJobs.sort((a, b) => a - b)).toEqual(expected);
      // The schedules draw its chain, generation 0 to the traced job.
      const chain = chainFromApi(jobs, jobId);
      for (const chart of await page.getByTestId("schedule-chart").getByTestId("schedule-canvas").all()) {
        const drawn = await chart.evaluate((el) =>
          (el as unknown as { lineageSchedule: { schedule: { jobId: number }[] } }).lineageSchedule.schedule.map((p) => p.jobId),
        );
        expect(drawn).toEqual(chain);
      }
    };
    await expectTraced(schedule.bestJobId);

    // Click a job that is not on the best lineage (the earliest such one: it has descendants).
    const tree = await drawnTree(page);
    const target = tree.nodes.filter((n) => !tree.traced.includes(n.id) && !n.superseded).sort((a, b) => a.generation - b.generation || a.id - b.id)[0]!;
    await page.getByTestId("lineage-tree-overlay").click({ position: { x: target.x, y: target.y } });
    await expect(page).toHaveURL(new RegExp(`trace=${target.id}`));
    await expect(page.getByTestId("traced-job")).toHaveText(`job #${target.id}`);
    await expectTraced(target.id);
    await saveScreenshot(page, testInfo, "experiment-traced-light");

    // The URL keeps it; "Trace the best job" goes back.
    await page.reload();
    await expectTraced(target.id);
    await page.getByRole("button", { name: "Trace the best job" }).click();
    await expect(page).not.toHaveURL(/trace=/);
    await expectTraced(schedule.bestJobId);

    // By keyboard: focus the tree, arrows to a job, Enter traces it, O opens it.
    await page.getByTestId("lineage-tree").focus();
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/trace=\d+/);
    const traced = Number(new URL(page.url()).searchParams.get("trace"));
    await expectTraced(traced);
    await page.keyboard.press("o");
    await expect(page).toHaveURL(`/jobs/${traced}`);
  });

  test("draws the best schedule exactly as it is exported", async ({ page }) => {
    await page.setViewportSize(VIEWPORT);
    await page.goto(pagePath(name));
    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Best schedule (JSON)" }).click();
    const exported = JSON.parse(readFileSync(await (await download).path(), "utf8")).schedule as {
      steps: { jobId: number; generation: number; hyperparameters: Record<string, unknown> }[];
    };
    const charts = page.getByTestId("schedule-chart");
    await expect(charts).toHaveCount(2);
    for (const chart of await charts.all()) {
      const hp = (await chart.getAttribute("data-hyperparameter"))!;
      const drawn = await chart.getByTestId("schedule-canvas").evaluate((el) => (el as unknown as { lineageSchedule: unknown }).lineageSchedule);
      expect(drawn).toEqual({ name: hp, schedule: exported.steps.map((s) => ({ jobId: s.jobId, generation: s.generation, value: s.hyperparameters[hp] })) });
    }
  });

  test("adds a column for any result key to the population table, kept in the URL", async ({ page }) => {
    await page.setViewportSize(VIEWPORT);
    await page.goto(pagePath(name));
    await page.getByText("Result columns").click();
    await page.getByRole("checkbox", { name: "step" }).check();
    await page.getByRole("checkbox", { name: "Q", exact: true }).check();
    await expect(page).toHaveURL(/cols=step(%2C|,)Q/);
    // Nested values (the toy's theta, a list) are no column.
    await expect(page.getByRole("checkbox", { name: "theta" })).toHaveCount(0);
    const table = page.getByRole("table", { name: "Population" });
    await expect(table.getByRole("columnheader", { name: "results.Q" })).toBeVisible();
    const last = new Map<number, ApiJob>();
    for (const j of jobs) if (j.status === "done" && (!last.has(j.member) || j.id > last.get(j.member)!.id)) last.set(j.member, j);
    for (const [member, job] of last) {
      const cells = table.locator(`tbody tr[data-member="${member}"] td`);
      await expect(cells.filter({ hasText: String(Number(job.score!.toPrecision(4))) }).first()).toBeVisible();
    }
    // At 1366 px the table fits, or says that it scrolls.
    const fits = await table.evaluate((t) => t.parentElement!.scrollWidth <= t.parentElement!.clientWidth + 1);
    if (!fits) await expect(page.getByTestId("table-scrolls")).toBeVisible();
  });

  test("keeps every member colour and both ends of the score scale at 3:1 against the background, in light and dark mode", async ({ browser }, testInfo) => {
    for (const scheme of ["light", "dark"] as const) {
      const page = await openPage(browser, scheme, pagePath(name));
      await expect.poll(async () => (await drawnTree(page)).nodes.length).toBe(jobs.length);
      const ratios = await renderedContrasts(page);
      expect(ratios.length).toBeGreaterThanOrEqual(4 + 2 + 8);
      for (const { what, ratio } of ratios) expect(ratio, `${what} in ${scheme} mode`).toBeGreaterThanOrEqual(3);
      await expect(page.getByTestId("finished-summary")).toBeVisible();
      await saveScreenshot(page, testInfo, `experiment-finished-${scheme}`);
      if (scheme === "dark") {
        const traced = (await drawnTree(page)).nodes.find((n) => n.generation === 3)!;
        await page.goto(pagePath(name, `?trace=${traced.id}`));
        await expect(page.getByTestId("traced-job")).toHaveText(`job #${traced.id}`);
        await saveScreenshot(page, testInfo, "experiment-traced-dark");
      }
      await page.context().close();
    }
  });
});

test("a first load that fails retries by itself and recovers once the server answers", async ({ browser, request }, testInfo) => {
  const name = uniqueName("e2e failed load");
  expect((await request.post("/api/v1/experiments", { data: toyConfig(name, 3) })).status()).toBe(201);
  for (const scheme of ["light", "dark"] as const) {
    const context = await browser.newContext({ colorScheme: scheme, viewport: VIEWPORT });
    const page = await context.newPage();
    // The server is out of reach for the page's data (a dropped network, a server restarting).
    let down = true;
    await page.route("**/api/trpc/**", (route) =>
      down && route.request().url().includes("dashboard.overview") ? route.abort("connectionrefused") : route.continue(),
    );
    await page.goto(pagePath(name));
    await expect(page.getByTestId("load-failed")).toBeVisible();
    await expect(page.getByRole("button", { name: "Retry" })).toBeVisible();
    await expect(page.getByTestId("load-failed")).toContainText(/Trying again by itself in \d+ s/);
    await saveScreenshot(page, testInfo, `experiment-failed-load-${scheme}`);
    down = false;
    // Without a click: the page retries by itself. However many retries failed while the
    // screenshot was taken, the next comes within the longest delay (retryDelay in
    // components/experiment/load-states.tsx: 15 s), not within whichever delay was showing.
    await expect(page.getByRole("heading", { level: 1, name, exact: true })).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId("load-failed")).toHaveCount(0);
    await context.close();
  }
});

test("a live run: the empty page says how to start a worker, exploits go forward, the offline state disables the controls, and the summary appears at the end", async ({
  browser,
  request,
  baseURL,
}, testInfo) => {
  test.setTimeout(150_000);
  const name = uniqueName("e2e live story");
  expect((await request.post("/api/v1/experiments", { data: toyConfig(name, 12) })).status()).toBe(201);
  const light = await openPage(browser, "light", pagePath(name));
  const dark = await openPage(browser, "dark", pagePath(name));
  for (const page of [light, dark]) await expect(page.getByTestId("connection")).toHaveText("live");

  // Nobody asked for a job yet: ready-to-copy commands with this server and this experiment.
  await expect(light.getByTestId("start-worker")).toBeVisible();
  await expect(light.getByTestId("start-command")).toContainText(`lineage.Client("${baseURL}").get_experiment(${JSON.stringify(name)})`);
  await light.getByRole("tab", { name: "lineage run" }).click();
  await expect(light.getByTestId("start-command")).toContainText(`--url ${baseURL}`);
  await saveScreenshot(light, testInfo, "experiment-empty-light");
  await saveScreenshot(dark, testInfo, "experiment-empty-dark");

  // Offline: a banner, and the controls that need the server are disabled until it is back.
  // Checked before the workers start, while the run cannot be over (its Pause button is there).
  await light.evaluate(() => (window as unknown as { __lineageSocket: { disconnect(): void } }).__lineageSocket.disconnect());
  await expect(light.getByTestId("offline-banner")).toBeVisible();
  await expect(light.getByRole("button", { name: "Pause" })).toBeDisabled();
  await light.evaluate(() => (window as unknown as { __lineageSocket: { connect(): void } }).__lineageSocket.connect());
  await expect(light.getByTestId("offline-banner")).toHaveCount(0);
  await expect(light.getByRole("button", { name: "Pause" })).toBeEnabled();

  await pushInitialMembers(request, name);
  // Sync mode: every generation the bottom member copies the other (exploits by construction).
  const workers = startToyWorkers(baseURL!, name, 2, 150);
  try {
    await expect(light.getByTestId("start-worker")).toHaveCount(0, { timeout: 20_000 });
    await expect.poll(async () => (await drawnTree(light)).edges.filter((e) => e.exploit).length, { timeout: 30_000 }).toBeGreaterThan(0);
    // Live, while jobs keep coming: what is drawn is checked against the API's jobs read after it.
    const tree = await drawnTree(light);
    const jobs = await apiJobs(request, name);
    const known = new Set(tree.nodes.map((n) => n.id));
    checkExploitEdges(
      tree,
      jobs.filter((j) => known.has(j.id)),
    );
    await saveScreenshot(light, testInfo, "experiment-running-light");
    await saveScreenshot(dark, testInfo, "experiment-running-dark");

    // Tracing while jobs keep coming: a job of generation 1, whose descendants grow with the run,
    // highlights exactly its ancestors and descendants among the jobs drawn (checked against the
    // API's jobs, read after the tree).
    const traced = tree.nodes.find((n) => n.generation === 1)!;
    await dark.goto(pagePath(name, `?trace=${traced.id}`));
    await expect(dark.getByTestId("traced-job")).toHaveText(`job #${traced.id}`);
    await expect
      .poll(async () => {
        const drawn = await drawnTree(dark);
        const shown = new Set(drawn.nodes.map((n) => n.id));
        const expected = lineageFromApi(
          (await apiJobs(request, name)).filter((j) => shown.has(j.id)),
          traced.id,
        );
        return {
          notTraced: [...expected].filter((id) => !drawn.traced.includes(id)),
          tracedWrongly: drawn.traced.filter((id) => !expected.has(id)),
        };
      })
      .toEqual({ notTraced: [], tracedWrongly: [] });

    // The end of the run: the summary appears without a reload.
    await expect(light.getByTestId("finished-summary")).toBeVisible({ timeout: 90_000 });
    await expect(dark.getByTestId("finished-summary")).toBeVisible();
    const best = (await (await request.get(`${apiPath(name)}/schedule`)).json()).schedule as { bestJobId: number; score: number };
    await expect(light.getByTestId("finished-summary")).toContainText(`#${best.bestJobId}`);
    await expect(light.getByTestId("summary-best-score")).toHaveText(String(Number(best.score.toPrecision(4))));
    const finalJobs = await apiJobs(request, name);
    await expect.poll(async () => (await drawnTree(light)).nodes.length).toBe(finalJobs.length);
    checkExploitEdges(await drawnTree(light), finalJobs);
    await expect.poll(async () => (await drawnTree(light)).traced).toEqual([...lineageFromApi(finalJobs, best.bestJobId)].sort((a, b) => a - b));
  } finally {
    stopWorkers(workers);
    await light.context().close();
    await dark.context().close();
  }
});
