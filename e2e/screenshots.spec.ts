// The screenshot set: every page of the dashboard in light and dark mode at 1366 × 768, each taken
// once what it shows is on screen (not a skeleton), saved as test-results/screenshots/page-<page>-
// <scheme>.png (e2e/fixtures.ts, saveScreenshot) and attached to the report. The other specs keep
// their own screenshots of particular states (a traced job, a brushed selection, a failed load).
// At 1366 px no page may scroll sideways: what does not fit is clipped or wraps inside the page.
import { expect, test, type Browser, type Page, type TestInfo } from "@playwright/test";
import { AUTH_ADMIN_TOKEN, AUTH_URL } from "./auth-server";
import { apiJobs, apiPath, saveScreenshot, uniqueName } from "./fixtures";
import { runSynthetic, syntheticConfig } from "./synthetic";

test.describe.configure({ mode: "serial" });

const SCHEMES = ["light", "dark"] as const;
const VIEWPORT = { width: 1366, height: 768 };
const prefix = uniqueName("e2e screens");
const pbt = `${prefix} PBT`;
const grid = `${prefix} grid`;
let jobId = 0;

test.beforeAll(async ({ request }) => {
  test.setTimeout(120_000);
  await runSynthetic(request, syntheticConfig(pbt));
  const fixed = Object.fromEntries(Object.entries(syntheticConfig(grid).hyperparameters).map(([k, h]) => [k, { init: h.init }]));
  await runSynthetic(request, syntheticConfig(grid, { exploit: { kind: "none" }, hyperparameters: fixed }));
  // The job page: a job of the middle generation that copied a donor, so its ancestry has an exploit.
  const jobs = await apiJobs(request, pbt);
  const middle = jobs.filter((j) => j.generation === 2 && j.status === "done");
  jobId = (middle.find((j) => j.origin === "exploit") ?? middle[0]!).id;
});

test.afterAll(async ({ request }) => {
  for (const name of [pbt, grid]) await request.delete(apiPath(name));
});

/** Opens `path` in a fresh context of the scheme, waits for `ready`, checks the width, and saves `page-<what>-<scheme>`. */
async function shoot(
  browser: Browser,
  testInfo: TestInfo,
  what: string,
  path: string,
  ready: (page: Page) => Promise<void>,
  options: { baseURL?: string; before?: (page: Page) => Promise<void> } = {},
) {
  for (const scheme of SCHEMES) {
    const context = await browser.newContext({ colorScheme: scheme, viewport: VIEWPORT, baseURL: options.baseURL ?? testInfo.project.use.baseURL });
    const page = await context.newPage();
    try {
      if (options.before) await options.before(page);
      await page.goto(path);
      await ready(page);
      // Nothing on screen still loading (a section's "Loading…"; a closed menu may hold one).
      await expect(page.getByText("Loading…", { exact: true }).filter({ visible: true })).toHaveCount(0);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect.soft(overflow, `${what} in ${scheme} mode scrolls sideways at 1366 px`).toBeLessThanOrEqual(0);
      await saveScreenshot(page, testInfo, `page-${what}-${scheme}`);
    } finally {
      await context.close();
    }
  }
}

test("the list", async ({ browser }, testInfo) => {
  await shoot(browser, testInfo, "list", `/?q=${encodeURIComponent(prefix)}`, async (page) => {
    await expect(page.getByRole("table", { name: "Experiments" }).locator("tbody tr")).toHaveCount(2);
  });
});

test("the new-experiment form", async ({ browser }, testInfo) => {
  await shoot(browser, testInfo, "new-experiment", "/experiments/new", async (page) => {
    await expect(page.locator("#field-name")).toBeVisible();
    await expect(page.getByRole("button", { name: "Create experiment" })).toBeVisible();
  });
});

test("the experiment page", async ({ browser, request }, testInfo) => {
  const jobs = await apiJobs(request, pbt);
  await shoot(browser, testInfo, "experiment", `/experiments/${encodeURIComponent(pbt)}`, async (page) => {
    await expect(page.getByTestId("connection")).toHaveText("live");
    await expect(page.getByTestId("finished-summary")).toBeVisible();
    await expect(page.getByTestId("event-feed").locator("li[data-seq]").first()).toBeVisible();
    await expect
      .poll(() =>
        page
          .getByTestId("lineage-tree-canvas")
          .evaluate((el) => (el as unknown as { lineageTree?: { scene: { nodes: unknown[] } } }).lineageTree?.scene.nodes.length ?? 0),
      )
      .toBe(jobs.length);
    await expect
      .poll(() => page.getByTestId("curves-canvas").evaluate((el) => (el as unknown as { lineageCurves?: { lines: number } }).lineageCurves?.lines ?? 0))
      .toBeGreaterThan(0);
    await expect(page.getByTestId("schedule-chart").first()).toBeVisible();
  });
});

test("the analysis", async ({ browser, request }, testInfo) => {
  const analysis = (await (await request.get(`${apiPath(pbt)}/analysis`)).json()) as { jobs: unknown[] };
  await shoot(browser, testInfo, "analysis", `/experiments/${encodeURIComponent(pbt)}/analysis`, async (page) => {
    await expect(page.getByTestId("parallel-coordinates").locator("path[data-job]")).toHaveCount(analysis.jobs.length);
    await expect(page.getByTestId("scatter").locator("circle[data-dot]").first()).toBeVisible();
  });
});

test("the comparison", async ({ browser }, testInfo) => {
  const query = new URLSearchParams([
    ["e", pbt],
    ["e", grid],
  ]);
  await shoot(browser, testInfo, "compare", `/compare?${query}`, async (page) => {
    await expect(page.getByTestId("compare-chart").locator(".recharts-line")).toHaveCount(2);
    await expect(page.getByTestId("compare-table").locator("tr[data-experiment]")).toHaveCount(2);
  });
});

test("the job page", async ({ browser }, testInfo) => {
  await shoot(browser, testInfo, "job", `/jobs/${jobId}`, async (page) => {
    await expect(page.getByTestId("job-curve")).toHaveAttribute("data-points", /^[1-9]/);
    await expect(page.getByTestId("ancestry-tree").locator("[data-tree-job]").first()).toBeVisible();
  });
});

test("sign-in and the API tokens, with access control on", async ({ browser }, testInfo) => {
  await shoot(
    browser,
    testInfo,
    "sign-in",
    "/",
    async (page) => {
      await expect(page.getByRole("heading", { name: /sign in/i })).toBeVisible();
    },
    { baseURL: AUTH_URL },
  );
  await shoot(
    browser,
    testInfo,
    "tokens",
    "/tokens",
    async (page) => {
      await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();
      await expect(page.getByRole("button", { name: "Create token" })).toBeVisible();
    },
    {
      baseURL: AUTH_URL,
      before: async (page) => {
        await page.goto("/");
        await page.getByLabel(/token/i).fill(AUTH_ADMIN_TOKEN);
        await page.getByRole("button", { name: /sign in/i }).click();
        await expect(page.getByRole("heading", { name: "Experiments", exact: true })).toBeVisible();
      },
    },
  );
});
