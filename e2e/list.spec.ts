// The experiment list's search, status filter, sort, archive and delete, and the job page's metric
// selector, duration and ancestry tree, against the real server (checked against its API), with
// screenshots in light and dark mode at 1366 × 768.
import { expect, test, type Page } from "@playwright/test";
import { apiPath, saveScreenshot, uniqueName } from "./fixtures";
import { runSynthetic, syntheticConfig } from "./synthetic";

const rowsOf = (page: Page) => page.getByRole("table", { name: "Experiments" }).locator("tbody tr");
const namesShown = (page: Page) => rowsOf(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-experiment")));

test("the list searches, filters by status, sorts by any column, archives and deletes with a confirmation", async ({ page, request, browser }, testInfo) => {
  test.setTimeout(90_000);
  const prefix = uniqueName("e2e list");
  const names = { a: `${prefix} alpha`, b: `${prefix} Beta`, c: `${prefix} gamma` };
  // Three experiments: alpha done with a low score, Beta paused with a high one, gamma running with none.
  for (const [name, score] of [
    [names.a, 0.2],
    [names.b, 0.9],
    [names.c, null],
  ] as const) {
    const created = await request.post("/api/v1/experiments", { data: { ...syntheticConfig(name), populationSize: 2 } });
    expect(created.status(), await created.text()).toBe(201);
    if (score === null) continue;
    const next = await (await request.post(`${apiPath(name)}/next-job`, { data: { workerId: "w" } })).json();
    const done = await request.post(`/api/v1/jobs/${next.job.id}/complete`, { data: { leaseToken: next.leaseToken, results: { score } } });
    expect(done.status()).toBe(200);
  }
  expect((await request.post(`${apiPath(names.a)}/status`, { data: { status: "done" } })).status()).toBe(200);
  expect((await request.post(`${apiPath(names.b)}/status`, { data: { status: "paused" } })).status()).toBe(200);

  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto("/");
  await page.getByLabel("Search by name").fill(prefix.toUpperCase());
  await expect(page).toHaveURL(/[?&]q=/);
  await expect.poll(() => namesShown(page)).toEqual([names.c, names.b, names.a]);

  await test.step("filter by status", async () => {
    await page.getByLabel("Status").selectOption("paused");
    await expect.poll(() => namesShown(page)).toEqual([names.b]);
    await page.getByLabel("Status").selectOption("");
    await expect.poll(() => namesShown(page)).toEqual([names.c, names.b, names.a]);
  });

  await test.step("sort by any column, both ways", async () => {
    const header = (title: string) => page.getByRole("columnheader", { name: title });
    await header("Best score").getByRole("button").click();
    await expect(header("Best score")).toHaveAttribute("aria-sort", "ascending");
    // Without a score (gamma) last in both orders.
    await expect.poll(() => namesShown(page)).toEqual([names.a, names.b, names.c]);
    await header("Best score").getByRole("button").click();
    await expect(header("Best score")).toHaveAttribute("aria-sort", "descending");
    await expect.poll(() => namesShown(page)).toEqual([names.b, names.a, names.c]);
    await header("Name").getByRole("button").click();
    await expect.poll(() => namesShown(page)).toEqual([names.a, names.b, names.c]);
    await header("Status").getByRole("button").click();
    await expect.poll(() => namesShown(page)).toEqual([names.c, names.b, names.a]);
    await expect(page).toHaveURL(/[?&]sort=status\b/);
    // The URL keeps the view: a reload shows the same order.
    await page.reload();
    await expect.poll(() => namesShown(page)).toEqual([names.c, names.b, names.a]);
    await saveScreenshot(page, testInfo, "list-light");
  });

  await test.step("archive hides an experiment from the list; the archived filter shows it", async () => {
    await page.getByRole("button", { name: `Archive ${names.a}` }).click();
    await expect.poll(() => namesShown(page)).toEqual([names.c, names.b]);
    expect((await (await request.get(apiPath(names.a))).json()).archivedAt).not.toBeNull();
    await page.getByLabel("Archived").selectOption("only");
    await expect.poll(() => namesShown(page)).toEqual([names.a]);
    await expect(rowsOf(page).first()).toContainText("archived");
    await page.getByRole("button", { name: `Unarchive ${names.a}` }).click();
    await expect.poll(() => namesShown(page)).toEqual([]);
    await expect(page.getByTestId("no-match")).toBeVisible();
    await page.getByLabel("Archived").selectOption("exclude");
    await expect.poll(() => namesShown(page)).toEqual([names.c, names.b, names.a]);
  });

  await test.step("delete asks first, and Cancel keeps the experiment", async () => {
    await page.getByRole("button", { name: `Delete ${names.b}` }).click();
    const dialog = page.getByRole("dialog", { name: `Delete ${names.b}?` });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText("deleted for good");
    await saveScreenshot(page, testInfo, "list-delete-dialog-light");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(dialog).toHaveCount(0);
    expect((await request.get(apiPath(names.b))).status()).toBe(200);
    await page.getByRole("button", { name: `Delete ${names.b}` }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete for good" }).click();
    await expect.poll(() => namesShown(page)).toEqual([names.c, names.a]);
    expect((await request.get(apiPath(names.b))).status()).toBe(404);
  });

  const dark = await browser.newContext({ colorScheme: "dark", viewport: { width: 1366, height: 768 } });
  const darkPage = await dark.newPage();
  await darkPage.goto(`/?q=${encodeURIComponent(prefix)}`);
  await expect.poll(() => namesShown(darkPage)).toEqual([names.c, names.a]);
  await saveScreenshot(darkPage, testInfo, "list-dark");
  await dark.close();
});

test("the job page draws any reported metric along the ancestry, with its duration and a tree of links", async ({ page, request, browser }, testInfo) => {
  // As MNIST does: the experiment's metric (max_score) is reported in results only; points carry other metrics.
  const name = uniqueName("e2e job page");
  await runSynthetic(request, syntheticConfig(name, { metric: "max_score", populationSize: 3, stop: { maxGenerations: 4 } }), {
    pointMetrics: ["score", "loss"],
  });
  const jobs = (await (await request.get(`${apiPath(name)}/jobs?status=done`)).json()) as {
    id: number;
    generation: number;
    parentId: number | null;
    origin: string;
  }[];
  // A job of generation 2 (so jobs continue it), with an exploit in its ancestry when there is one.
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const copied = (j: (typeof jobs)[number] | undefined): boolean => !!j && (j.origin === "exploit" || copied(byId.get(j.parentId ?? -1)));
  const middle = jobs.filter((j) => j.generation === 2 && jobs.some((c) => c.parentId === j.id));
  const last = middle.find(copied) ?? middle[0]!;
  const detail = async (metric?: string) => {
    const input = encodeURIComponent(JSON.stringify({ id: last.id, ...(metric ? { metric } : {}) }));
    return (await (await request.get(`/api/trpc/dashboard.job?input=${input}`)).json()).result.data;
  };
  const byDefault = await detail();
  expect(byDefault.metric).toBe("score");

  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(`/jobs/${last.id}`);
  const curve = page.getByTestId("job-curve");
  await expect(curve).toHaveAttribute("data-metric", "score");
  await expect(curve).toHaveAttribute("data-points", String(byDefault.curve.length));
  await expect(curve.locator(".recharts-line")).toHaveCount(2);
  const metric = page.getByLabel("Metric", { exact: true });
  await expect(metric.locator("option")).toHaveText(["loss", "score"]);
  await metric.selectOption("loss");
  await expect(page).toHaveURL(/[?&]metric=loss\b/);
  await expect(curve).toHaveAttribute("data-metric", "loss");
  await expect(curve).toHaveAttribute("data-points", String((await detail("loss")).curve.length));

  // Its duration, and its lineage as a tree: ancestors back to generation 0 and the jobs after it.
  await expect(page.getByTestId("duration")).toHaveText(/^\d+(\.\d)? s$|min|h/);
  const tree = page.getByTestId("ancestry-tree");
  const treeJobs = await tree.locator("[data-tree-job]").evaluateAll((gs) => gs.map((g) => Number(g.getAttribute("data-tree-job"))));
  expect(treeJobs).toEqual([...byDefault.ancestry.map((a: { id: number }) => a.id), ...byDefault.children.map((c: { id: number }) => c.id)]);
  expect(byDefault.ancestry[0].generation).toBe(0);
  await saveScreenshot(page, testInfo, "job-light");
  const parent = byDefault.ancestry.at(-2);
  await tree.locator(`[data-tree-job="${parent.id}"] a`).click();
  await expect(page).toHaveURL(new RegExp(`/jobs/${parent.id}(\\?|$)`));
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Job #${parent.id}`);

  const dark = await browser.newContext({ colorScheme: "dark", viewport: { width: 1366, height: 768 } });
  const darkPage = await dark.newPage();
  await darkPage.goto(`/jobs/${last.id}`);
  await expect(darkPage.getByTestId("job-curve")).toHaveAttribute("data-metric", "score");
  await saveScreenshot(darkPage, testInfo, "job-dark");
  await dark.close();
});
