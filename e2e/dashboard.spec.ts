// The dashboard against the real server: an experiment created through the form, toy workers
// (examples/toy) running one while two pages watch, pause and resume, a dropped socket, the
// exports, and the traced job opened with its ancestry walked back to generation 0.
// Each test makes what it needs with the fixtures (e2e/fixtures.ts), so any one runs alone.
import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";
import { apiPath, expect, saveScreenshot, test, toyConfig, uniqueName } from "./fixtures";

// Long enough (about 20 s with 2 workers at 1 s a job) that the run is still going when it is paused.
const GENERATIONS = 20;
const TOTAL = 2 * GENERATIONS;
const experimentPage = (name: string) => `/experiments/${encodeURIComponent(name)}`;

/** Finished jobs as the page shows them (progress itself is lineage depth reached, out of TOTAL). */
async function progressOf(page: Page): Promise<number> {
  return Number((await page.getByTestId("jobs-done").textContent()) ?? "");
}

test("creates an experiment through the form, with errors beside the fields", async ({ page, request, experiments }) => {
  const taken = await experiments.create(toyConfig(uniqueName("e2e taken"), 2));
  const name = uniqueName("e2e toy ✓");

  await page.goto("/");
  await page.getByRole("link", { name: "New experiment" }).click();
  await expect(page).toHaveURL(/\/experiments\/new$/);

  await page.locator("#field-name").fill(taken);
  await page.locator("#field-metric").fill("Q");
  // A bad field shows its error beside it as soon as it is typed, from the server's own schema.
  await page.locator("#field-populationSize").fill("0");
  await expect(page.locator("#field-populationSize-error")).toContainText(">=1");
  await expect(page.locator("#field-populationSize")).toHaveAttribute("aria-invalid", "true");
  await page.locator("#field-populationSize").fill("2");
  await expect(page.locator("#field-populationSize-error")).toHaveCount(0);
  await page.locator("#field-stop_maxGenerations").fill(String(GENERATIONS));
  await page.locator("#field-mode").selectOption("sync");
  await page.locator("#field-exploit_fraction").fill("0.5");
  await page.locator("#field-leaseSeconds").fill("30");
  await page.locator("#field-seed").fill("1");

  // The first hyperparameter row: rename it and give it the toy problem's prior.
  await page.locator("#field-hyperparameters_lr").fill("h0");
  await page.locator("#field-hyperparameters_h0_init_kind").selectOption("uniform");
  await page.locator("#field-hyperparameters_h0_init_low").fill("2");
  await page.locator("#field-hyperparameters_h0_init_high").fill("1");
  await expect(page.locator("#field-hyperparameters_h0_init_high-error")).toHaveText("low must be less than high");
  await page.locator("#field-hyperparameters_h0_init_low").fill("0");
  await expect(page.locator("#field-hyperparameters_h0_init_high-error")).toHaveCount(0);
  await page.locator("#field-hyperparameters_h0_explore_kind").selectOption("resample");
  await expect(page.getByTestId("preview-h0")).toContainText("Sampled:");

  await page.getByRole("button", { name: "Add hyperparameter" }).click();
  await page.locator("#field-hyperparameters_param_2").fill("h1");
  await page.locator("#field-hyperparameters_h1_init_kind").selectOption("uniform");
  await page.locator("#field-hyperparameters_h1_init_low").fill("0");
  await page.locator("#field-hyperparameters_h1_init_high").fill("1");
  await page.locator("#field-hyperparameters_h1_explore_kind").selectOption("resample");

  // The server's own error (the name is taken) lands on the name field.
  await page.getByRole("button", { name: "Create experiment" }).click();
  await expect(page.locator("#field-name-error")).toContainText("already taken");
  await expect(page).toHaveURL(/\/experiments\/new$/);

  await page.locator("#field-name").fill(name);
  await expect(page.locator("#field-name-error")).toHaveCount(0);
  await page.getByRole("button", { name: "Create experiment" }).click();
  await expect(page).toHaveURL((url) => decodeURIComponent(url.pathname) === `/experiments/${name}`);
  experiments.track(name);
  await expect(page.getByRole("heading", { level: 1, name, exact: true })).toBeVisible();

  const stored = await (await request.get(apiPath(name))).json();
  // The form writes the perturb factors out (their defaults, 0.8 and 1.2).
  const explore = { kind: "resample", probability: 0.25, minFactor: 0.8, maxFactor: 1.2 };
  const h = { init: { kind: "uniform", low: 0, high: 1 }, explore };
  // The server stores the config with its defaults filled in: checkpoint retention (not on the form).
  expect(stored.config).toEqual({ ...toyConfig(name, GENERATIONS), hyperparameters: { h0: h, h1: h }, checkpoints: { retain: "needed" } });
});

test("shows the run live on two pages, with pause, resume and a dropped connection", async ({ page, browser, request, experiments, toyWorkers }, testInfo) => {
  test.setTimeout(120_000);
  const name = await experiments.createToy({ prefix: "e2e toy live", generations: GENERATIONS });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(experimentPage(name));
  await expect(page.getByTestId("connection")).toHaveText("live");
  const dark = await browser.newContext({ colorScheme: "dark", viewport: { width: 1280, height: 900 } });
  const second = await dark.newPage();
  await second.goto(experimentPage(name));
  await expect(second.getByTestId("connection")).toHaveText("live");
  await expect(page.getByTestId("progress")).toHaveText(`0/${TOTAL}`);
  // The list of experiments, open in another tab, follows too.
  const list = await page.context().newPage();
  await list.goto("/");
  const listRow = list.getByRole("row").filter({ has: list.getByRole("link", { name, exact: true }) });
  await expect(listRow.getByRole("cell", { name: `0/${TOTAL}`, exact: true })).toBeVisible();

  toyWorkers.start(name, 2, { stepDelayMs: 250 });
  try {
    await test.step("curves, tree and table fill in without a reload", async () => {
      const population = page.getByRole("table", { name: "Population" });
      await expect(population.locator("tbody tr[data-member]")).toHaveCount(2);
      await expect.poll(async () => Number(await page.getByTestId("lineage-tree").getAttribute("data-jobs")), { timeout: 20_000 }).toBeGreaterThanOrEqual(6);
      await expect
        .poll(() => page.getByTestId("curves-canvas").evaluate((el) => (el as unknown as { lineageCurves?: { lines: number } }).lineageCurves?.lines ?? 0), {
          timeout: 10_000,
        })
        .toBeGreaterThanOrEqual(2);
      await expect(population.locator("tbody tr[data-member] td").nth(3)).not.toHaveText("—");
      await expect(page.getByTestId("event-feed").locator("li[data-type=exploit]").first()).toBeVisible({ timeout: 20_000 });
      // Within a second of the server's state, with no reload.
      const done = (await (await request.get(`${apiPath(name)}/jobs?status=done`)).json()).length as number;
      await expect.poll(() => progressOf(page), { timeout: 1_000 }).toBeGreaterThanOrEqual(done);
      await expect.poll(() => progressOf(second), { timeout: 1_000 }).toBeGreaterThanOrEqual(done);
      await saveScreenshot(page, testInfo, "experiment-two-pages-light");
      await saveScreenshot(second, testInfo, "experiment-two-pages-dark");
    });

    await test.step("pause and resume from the header; the other page follows", async () => {
      await page.getByRole("button", { name: "Pause" }).click();
      await expect(page.getByTestId("experiment-status")).toHaveText("paused");
      await expect(second.getByTestId("experiment-status")).toHaveText("paused");
      expect((await (await request.get(apiPath(name))).json()).status).toBe("paused");
      // Jobs already running finish; no new one starts.
      await expect.poll(async () => (await (await request.get(`${apiPath(name)}/jobs?status=running`)).json()).length, { timeout: 10_000 }).toBe(0);
      const doneCount = async () => (await (await request.get(`${apiPath(name)}/jobs?status=done`)).json()).length as number;
      const paused = await doneCount();
      await expect.poll(() => progressOf(page), { timeout: 2_000 }).toBe(paused);
      await page.waitForTimeout(1_500);
      expect(await doneCount()).toBe(paused);
      expect(await progressOf(page)).toBe(paused);
      expect(Number((await page.getByTestId("progress").textContent())!.split("/")[0])).toBeLessThan(TOTAL);
      await page.getByRole("button", { name: "Resume" }).click();
      await expect(page.getByTestId("experiment-status")).toHaveText("running");
      await expect(second.getByTestId("experiment-status")).toHaveText("running");
      await expect.poll(() => progressOf(page), { timeout: 10_000 }).toBeGreaterThan(paused);
    });

    await test.step("a dropped connection resumes from the last event seen, missing nothing", async () => {
      await second.evaluate(() => (window as unknown as { __lineageSocket: { disconnect(): void } }).__lineageSocket.disconnect());
      await expect(second.getByTestId("connection")).toHaveText("reconnecting…");
      const before = await progressOf(second);
      await expect.poll(() => progressOf(page), { timeout: 10_000 }).toBeGreaterThan(before + 1);
      await second.evaluate(() => (window as unknown as { __lineageSocket: { connect(): void } }).__lineageSocket.connect());
      await expect(second.getByTestId("connection")).toHaveText("live");
      await expect.poll(() => progressOf(second), { timeout: 2_000 }).toBeGreaterThan(before + 1);
    });

    await expect(page.getByTestId("experiment-status")).toHaveText("done", { timeout: 60_000 });
    await expect(page.getByTestId("progress")).toHaveText(`${TOTAL}/${TOTAL}`);
    await expect(second.getByTestId("progress")).toHaveText(`${TOTAL}/${TOTAL}`);
    await expect(listRow.getByRole("cell", { name: "done", exact: true })).toBeVisible();
    await expect(listRow.getByRole("cell", { name: `${TOTAL}/${TOTAL}`, exact: true })).toBeVisible();
    // The feed of the page that was disconnected has every event, in order, without a gap.
    await second.getByRole("button", { name: "Job lifecycle" }).click();
    const seqs = await second
      .getByTestId("event-feed")
      .locator("li[data-seq]")
      .evaluateAll((items) => items.map((li) => Number(li.getAttribute("data-seq"))));
    const last = (await (await request.get(apiPath(name))).json()).lastEventSeq as number;
    expect(seqs[0]).toBe(last);
    seqs.forEach((seq, i) => expect(seq).toBe(last - i));
    await saveScreenshot(page, testInfo, "experiment-two-pages-done-light");
    // The workers stopped by themselves: the run told them it was done.
    await toyWorkers.finished();
  } finally {
    await dark.close();
  }
});

test("exports the best schedule and all jobs", async ({ page, finishedRun }) => {
  const { name } = finishedRun;
  await page.goto(experimentPage(name));
  const bestLink = page.getByTestId("best-job").getByRole("link");
  await expect(bestLink).toHaveText(/^#\d+$/);
  const bestJobId = Number((await bestLink.textContent())!.slice(1));

  const scheduleDownload = page.waitForEvent("download");
  await page.getByRole("link", { name: "Best schedule (JSON)" }).click();
  const schedule = JSON.parse(readFileSync(await (await scheduleDownload).path(), "utf8"));
  expect(schedule).toMatchObject({ experiment: name, objective: "maximize", metric: "Q" });
  expect(schedule.schedule.bestJobId).toBe(bestJobId);
  const steps = schedule.schedule.steps as { jobId: number; generation: number; hyperparameters: Record<string, number> }[];
  expect(steps[0]!.generation).toBe(0);
  expect(steps.at(-1)!.jobId).toBe(bestJobId);
  for (const step of steps) {
    expect(step.hyperparameters.h0).toBeGreaterThanOrEqual(0);
    expect(step.hyperparameters.h1).toBeLessThanOrEqual(1);
  }
  await expect(page.getByTestId("best-score")).toHaveText(String(Number(schedule.schedule.score.toPrecision(4))));

  const csvDownload = page.waitForEvent("download");
  await page.getByRole("link", { name: "All jobs (CSV)" }).click();
  const csv = readFileSync(await (await csvDownload).path(), "utf8")
    .trim()
    .split("\n");
  expect(csv[0]).toMatch(/^id,member,generation,.*,hp\.h0,hp\.h1$/);
  expect(csv.length - 1).toBeGreaterThanOrEqual(finishedRun.total);

  // Clone: the form opens filled in with this experiment's config.
  await page.getByRole("link", { name: "Clone" }).click();
  await expect(page.locator("#field-name")).toHaveValue(`${name} (copy)`);
  await expect(page.locator("#field-populationSize")).toHaveValue("2");
  await expect(page.locator("#field-stop_maxGenerations")).toHaveValue(String(finishedRun.generations));
  await expect(page.locator("#field-hyperparameters_h1_explore_kind")).toHaveValue("resample");
  await expect(page.locator("#field-seed")).toHaveValue("");
});

test("keeps the view in the URL, and opens the traced job to walk its ancestry", async ({ page, finishedRun }) => {
  const { name } = finishedRun;
  await page.goto(experimentPage(name));
  // Singling out a member, the curves' axis and log scale go into the URL; a reload keeps them.
  await page.getByRole("group", { name: "Members to highlight" }).getByRole("button", { name: "member 1" }).click();
  await page.getByLabel("x axis").selectOption("generation");
  await page.getByRole("button", { name: "Log scale" }).click();
  await expect(page).toHaveURL(/members=1/);
  await expect(page).toHaveURL(/x=generation/);
  await expect(page).toHaveURL(/log=1/);
  await page.reload();
  await expect(page.getByRole("group", { name: "Members to highlight" }).getByRole("button", { name: "member 1" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByLabel("x axis")).toHaveValue("generation");
  await expect(page.getByRole("button", { name: "Log scale" })).toHaveAttribute("aria-pressed", "true");

  // The best lineage is traced by default; its job opens from the trace bar.
  const bestJobId = Number((await page.getByTestId("best-job").getByRole("link").textContent())!.slice(1));
  await expect(page.getByTestId("traced-job")).toHaveText(`job #${bestJobId}`);
  await page.getByTestId("traced-job").click();
  await expect(page).toHaveURL(`/jobs/${bestJobId}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Job #${bestJobId}`);

  const ancestry = page.getByTestId("ancestry").locator("li");
  let length = await ancestry.count();
  expect(length).toBeGreaterThan(1);
  while (length > 1) {
    const parent = ancestry.nth(length - 2).getByRole("link");
    const label = (await parent.textContent())!;
    await parent.click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText(label);
    await expect(ancestry).toHaveCount(length - 1);
    length--;
  }
  await expect(ancestry.first()).toContainText("generation 0");
  await expect(page.getByTestId("origin")).toHaveText("Pushed by hand.");

  // The tree is reachable by keyboard too: focus it, an arrow lands on the traced job, O opens it.
  await page.getByRole("link", { name: name, exact: true }).click();
  const tree = page.getByTestId("lineage-tree");
  await tree.focus();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("o");
  await expect(page).toHaveURL(`/jobs/${bestJobId}`);
});

test("pushes a job by hand, with the server's error on the field it concerns", async ({ page, experiments }) => {
  const manual = await experiments.create(toyConfig(uniqueName("e2e push"), 3));
  await page.goto(`/experiments/${encodeURIComponent(manual)}`);
  await expect(page.getByTestId("connection")).toHaveText("live");
  await page.getByText("Push a job by hand").click();
  const form = page.getByRole("form", { name: "Push a job" });
  await form.getByLabel("h0").fill("fast");
  await form.getByRole("button", { name: "Push job" }).click();
  await expect(form.getByText("must be a finite number for a uniform parameter")).toBeVisible();
  await expect(form.getByLabel("h0")).toHaveAttribute("aria-invalid", "true");

  await form.getByLabel("h0").fill("0.25");
  await form.getByRole("button", { name: "Push job" }).click();
  await expect(form.getByRole("status")).toContainText("member 0, generation 0");
  // The new member shows up in the table and the tree as a queued job.
  const row = page.getByRole("table", { name: "Population" }).locator("tbody tr[data-member='0']");
  await expect(row.getByRole("cell", { name: "queued", exact: true })).toBeVisible();
  await expect(row.getByRole("cell", { name: "0.25", exact: true })).toBeVisible();
  await expect(page.getByTestId("lineage-tree")).toHaveAttribute("data-jobs", "1");
});
