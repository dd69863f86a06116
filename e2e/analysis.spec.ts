// The analysis and comparison views against the real server: what they draw is checked against the
// API's answers (lines, axes, importance, brushed selection, curves and scores), and screenshots
// are saved in light and dark mode at 1366 × 768.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { formatScore } from "../components/format";
import { apiPath, saveScreenshot, uniqueName } from "./fixtures";
import { runSynthetic, syntheticConfig } from "./synthetic";

test.describe.configure({ mode: "serial" });

const pbt = uniqueName("e2e analysis PBT");
const grid = uniqueName("e2e analysis grid");
const analysisPage = (name: string, query = "") => `/experiments/${encodeURIComponent(name)}/analysis${query}`;

test.beforeAll(async ({ request }) => {
  await runSynthetic(request, syntheticConfig(pbt));
  // Grid (random) search: the same priors, nothing copied, nothing explored.
  const fixed = Object.fromEntries(Object.entries(syntheticConfig(grid).hyperparameters).map(([k, h]) => [k, { init: h.init }]));
  await runSynthetic(request, syntheticConfig(grid, { exploit: { kind: "none" }, hyperparameters: fixed }));
});

async function darkPage(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ colorScheme: "dark", viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

test("parallel coordinates draw every finished job on an axis per varying hyperparameter and the score, and brushing selects the jobs in range", async ({
  page,
  request,
  browser,
}, testInfo) => {
  const analysis = await (await request.get(`${apiPath(pbt)}/analysis`)).json();
  expect(analysis.totalJobs).toBeGreaterThan(20);
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(analysisPage(pbt));
  const chart = page.getByTestId("parallel-coordinates");
  await expect(chart.locator("path[data-job]")).toHaveCount(analysis.jobs.length);
  // Drawn: exactly the jobs of the API's answer.
  const drawn = (await chart.locator("path[data-job]").evaluateAll((paths) => paths.map((p) => Number(p.getAttribute("data-job"))))).sort((a, b) => a - b);
  expect(drawn).toEqual(analysis.jobs.map((j: { id: number }) => j.id).sort((a: number, b: number) => a - b));
  // An axis per hyperparameter that varies (the constant batch_size is named below instead), then the score.
  const axes = await chart.locator("g[data-axis]").evaluateAll((gs) => gs.map((g) => g.getAttribute("data-axis")));
  expect(axes).toEqual(["activation", "dropout", "lr", "(score)"]);
  await expect(page.getByText("Never varied: batch_size = 32")).toBeVisible();
  // Every line passes through every axis (no job lacks a value).
  for (const d of await chart.locator("path[data-job]").evaluateAll((paths) => paths.slice(0, 10).map((p) => p.getAttribute("d")!))) {
    expect(d.match(/[ML]/g)).toHaveLength(4);
  }

  // The importance shown is the API's, for both targets; the method is named.
  for (const [target, testId] of [
    ["score", "importance-score"],
    ["improvement", "importance-improvement"],
  ] as const) {
    const rows = page.getByTestId(testId).locator("tr[data-parameter]");
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-parameter"), tr.getAttribute("data-importance")]));
    expect(shown).toEqual(
      analysis.importance[target].parameters.map((p: { parameter: string; importance: number | null }) => [
        p.parameter,
        p.importance === null ? "" : String(p.importance),
      ]),
    );
  }
  await expect(page.getByTestId("importance-method")).toContainText("functional ANOVA of main effects");
  await expect(page.getByTestId("importance-method")).toContainText("Why:");
  await saveScreenshot(page, testInfo, "analysis-light");

  // Brush the top of the score axis: the selection is the jobs whose score lies in the brushed range.
  const scoreAxis = chart.locator('g[data-axis="(score)"]');
  const box = (await scoreAxis.locator("line").first().boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.4, { steps: 5 });
  await page.mouse.up();
  const min = Number(await scoreAxis.getAttribute("data-brush-min"));
  const max = Number(await scoreAxis.getAttribute("data-brush-max"));
  expect(max).toBeGreaterThan(min);
  const inRange = analysis.jobs.filter((j: { score: number }) => j.score >= min - 1e-9 && j.score <= max + 1e-9);
  expect(inRange.length).toBeGreaterThan(0);
  expect(inRange.length).toBeLessThan(analysis.jobs.length);
  await expect(chart.locator("path[data-selected]")).toHaveCount(inRange.length);
  const members = [...new Set(inRange.map((j: { member: number }) => j.member))].sort((a, b) => (a as number) - (b as number));
  await expect(page.getByTestId("selection")).toHaveText(`${inRange.length} of ${analysis.jobs.length} jobs selected, members ${members.join(", ")}`);
  await expect(page.getByTestId("selected-jobs").locator("tbody tr")).toHaveCount(Math.min(8, inRange.length));
  await saveScreenshot(page, testInfo, "analysis-brushed-light");
  await page.getByRole("button", { name: "Clear selection" }).click();
  await expect(chart.locator("path[data-selected]")).toHaveCount(analysis.jobs.length);

  const dark = await darkPage(browser, analysisPage(pbt));
  await expect(dark.getByTestId("parallel-coordinates").locator("path[data-job]")).toHaveCount(analysis.jobs.length);
  await saveScreenshot(dark, testInfo, "analysis-dark");
  await dark.context().close();
});

test("the generation filter and the scatter follow the URL and the API", async ({ page, request }) => {
  const late = await (await request.get(`${apiPath(pbt)}/analysis?fromGeneration=2`)).json();
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(analysisPage(pbt));
  await page.getByLabel("From generation").selectOption("2");
  await expect(page).toHaveURL(/[?&]from=2\b/);
  await expect(page.getByTestId("parallel-coordinates").locator("path[data-job]")).toHaveCount(late.jobs.length);
  await expect(page.getByTestId("job-count")).toContainText(`${late.totalJobs} finished jobs of generations 2–`);
  // The scatter: one dot per job with a value, for the parameter chosen.
  const scatter = page.getByTestId("scatter");
  await expect(scatter).toHaveAttribute("data-parameter", "activation");
  await page.getByLabel("Hyperparameter", { exact: true }).selectOption("lr");
  await expect(page).toHaveURL(/[?&]x=lr\b/);
  await expect(scatter).toHaveAttribute("data-parameter", "lr");
  await expect(scatter).toHaveAttribute("data-dots", String(late.jobs.length));
  await expect(scatter.locator("circle[data-dot]")).toHaveCount(late.jobs.length);
  // A reload shows the same view.
  await page.reload();
  await expect(page.getByTestId("scatter")).toHaveAttribute("data-parameter", "lr");
  await expect(page.getByTestId("parallel-coordinates").locator("path[data-job]")).toHaveCount(late.jobs.length);
});

test("the experiment page links to its analysis", async ({ page }) => {
  await page.goto(`/experiments/${encodeURIComponent(pbt)}`);
  await page.getByRole("navigation", { name: "Experiment views" }).getByRole("link", { name: "Analysis" }).click();
  await expect(page).toHaveURL((url) => decodeURIComponent(url.pathname) === `/experiments/${pbt}/analysis`);
  await expect(page.getByTestId("parallel-coordinates")).toBeVisible();
});

test("the comparison overlays best-so-far curves and tabulates best, final and generation-0 scores from the API", async ({
  page,
  request,
  browser,
}, testInfo) => {
  const comparison = await (await request.post("/api/v1/compare", { data: { experiments: [pbt, grid] } })).json();
  // Picked from the list: tick two experiments, then Compare.
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(`/?q=${encodeURIComponent("e2e analysis")}`);
  for (const name of [pbt, grid]) await page.getByLabel(`Select ${name} to compare`).check();
  await page.getByRole("link", { name: "Compare 2" }).click();
  await expect(page).toHaveURL(/\/compare\?/);
  const chart = page.getByTestId("compare-chart");
  await expect(chart).toHaveAttribute("data-x", comparison.x);
  await expect(chart.locator(".recharts-line")).toHaveCount(2);
  for (const e of comparison.experiments) {
    // The line's vertices: one per point of the curve, drawn as a step (two per rise).
    await expect(chart.locator(`[data-legend="${e.name}"]`)).toBeVisible();
    const row = page.getByTestId("compare-table").locator(`tr[data-experiment="${e.name}"]`);
    await expect(row.locator('[data-cell="best"]')).toHaveText(formatScore(e.best.score));
    await expect(row.locator('[data-cell="final"]')).toHaveText(formatScore(e.final));
    await expect(row.locator('[data-cell="generation0"]')).toHaveText(formatScore(e.generation0));
  }
  await expect(page.getByTestId("compare-table").locator(`tr[data-experiment="${grid}"]`)).toContainText("fixed values (grid or random search)");
  // Each curve is drawn through its points: the path ends at the last point's best.
  const paths = await chart.locator(".recharts-line path.recharts-curve").evaluateAll((ps) => ps.map((p) => p.getAttribute("d") ?? ""));
  expect(paths).toHaveLength(2);
  for (const d of paths) expect(d.length).toBeGreaterThan(10);
  await saveScreenshot(page, testInfo, "compare-light");

  // One removed: the page asks for another.
  await page.getByRole("button", { name: `Remove ${grid}` }).click();
  await expect(page.getByTestId("pick-more")).toBeVisible();
  await page.getByLabel("Add an experiment").selectOption(grid);
  await expect(chart.locator(".recharts-line")).toHaveCount(2);

  const dark = await darkPage(browser, page.url());
  await expect(dark.getByTestId("compare-chart").locator(".recharts-line")).toHaveCount(2);
  await saveScreenshot(dark, testInfo, "compare-dark");
  await dark.context().close();
});
