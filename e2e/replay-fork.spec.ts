// Replay and fork from the dashboard: each opens the new experiment, whose page links back.
import { expect, test, type Page } from "@playwright/test";
import { apiPath, pushInitialMembers, saveScreenshot, startToyWorkers, stopWorkers, toyConfig, uniqueName } from "./fixtures";

/** A finished toy run (sync, 6 generations) to replay and fork from. */
async function finishedToy(request: import("@playwright/test").APIRequestContext, baseURL: string, name: string) {
  expect((await request.post("/api/v1/experiments", { data: toyConfig(name, 6) })).status()).toBe(201);
  await pushInitialMembers(request, name);
  const workers = startToyWorkers(baseURL, name, 2, 0);
  try {
    await expect.poll(async () => (await (await request.get(apiPath(name))).json()).status, { timeout: 60_000 }).toBe("done");
  } finally {
    stopWorkers(workers);
  }
}

async function openExperiment(page: Page, name: string) {
  await page.goto(`/experiments/${encodeURIComponent(name)}`);
  await expect(page.getByRole("heading", { level: 1, name, exact: true })).toBeVisible();
}

test("replaying the best schedule opens the replay, which shows the original beside it and links back", async ({ page, request, baseURL }, testInfo) => {
  const name = uniqueName("e2e replay source");
  await finishedToy(request, baseURL!, name);
  await openExperiment(page, name);

  await page.setViewportSize({ width: 1366, height: 900 });
  await page.getByText("Replay the best schedule", { exact: true }).click();
  const form = page.getByRole("form", { name: "Replay the best schedule" });
  const replayName = `${name} replayed`;
  await form.getByLabel("New experiment").fill(replayName);
  await form.getByLabel(/Seeds/).fill("2");
  await form.getByRole("button", { name: "Create the replay" }).click();

  await expect(page).toHaveURL((url) => decodeURIComponent(url.pathname) === `/experiments/${replayName}`);
  await expect(page.getByRole("heading", { level: 1, name: replayName, exact: true })).toBeVisible();
  const provenance = page.getByTestId("provenance");
  await expect(provenance).toContainText("Replays the schedule that led to job #");
  await expect(page.getByRole("img", { name: /by generation: the original and the replay/ })).toBeVisible();

  // Train it: the page shows the replay's final scores beside the original's.
  const workers = startToyWorkers(baseURL!, replayName, 2, 0);
  try {
    await expect(page.getByTestId("replay-final")).toContainText(/replay member 1 \d/, { timeout: 60_000 });
  } finally {
    stopWorkers(workers);
  }
  await saveScreenshot(page, testInfo, "replay-light");
  await page.emulateMedia({ colorScheme: "dark" });
  await saveScreenshot(page, testInfo, "replay-dark");

  await provenance.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name, exact: true })).toBeVisible();
});

test("continuing from a job opens the form, then the fork, whose lineage links back to that job", async ({ page, request, baseURL }, testInfo) => {
  const name = uniqueName("e2e fork source");
  await finishedToy(request, baseURL!, name);
  const jobs = (await (await request.get(`${apiPath(name)}/jobs`)).json()) as { id: number; generation: number; status: string }[];
  const source = jobs.find((j) => j.generation === 3 && j.status === "done")!;

  await page.goto(`/jobs/${source.id}`);
  await page.getByRole("link", { name: "Continue from here" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Continues from job ${source.id}` })).toBeVisible();
  await expect(page.getByTestId("search-variants")).toContainText("Parker-Holder et al. 2020");
  await page.setViewportSize({ width: 1366, height: 900 });
  await saveScreenshot(page, testInfo, "fork-form-light");
  const forkName = `${name} forked`;
  await page.getByRole("region", { name: "Experiment" }).getByLabel("Name").fill(forkName);
  // The fork explores with PB2: the form's experiment-level switch.
  await page.getByRole("region", { name: "Search" }).getByLabel("Explore").selectOption("pb2");
  await page.getByRole("button", { name: "Create experiment" }).click();

  await expect(page).toHaveURL((url) => decodeURIComponent(url.pathname) === `/experiments/${forkName}`);
  const provenance = page.getByTestId("provenance");
  await expect(provenance).toContainText(`Continues from job #${source.id}`);
  await expect(page.getByTestId("search-kind")).toContainText("Explores with PB2");
  await saveScreenshot(page, testInfo, "fork-light");
  await page.emulateMedia({ colorScheme: "dark" });
  await saveScreenshot(page, testInfo, "fork-dark");
  await page.emulateMedia({ colorScheme: "light" });

  // Its members' first jobs continue the source job: the job page's ancestry runs through it.
  const workers = startToyWorkers(baseURL!, forkName, 1, 0);
  try {
    await expect
      .poll(async () => ((await (await request.get(`${apiPath(forkName)}/jobs`)).json()) as unknown[]).length, { timeout: 60_000 })
      .toBeGreaterThan(0);
  } finally {
    stopWorkers(workers);
  }
  const forked = ((await (await request.get(`${apiPath(forkName)}/jobs`)).json()) as { id: number; parentId: number; origin: string }[]).find(
    (j) => j.origin === "fork",
  )!;
  expect(forked.parentId).toBe(source.id);
  await page.goto(`/jobs/${forked.id}`);
  await expect(page.getByTestId("origin")).toContainText("Forked");
  await page
    .getByTestId("origin")
    .getByRole("link", { name: `#${source.id}` })
    .click();
  await expect(page).toHaveURL(new RegExp(`/jobs/${source.id}$`));
  await provenanceBack(page, name);
});

/** The source job's page names its experiment. */
async function provenanceBack(page: Page, experiment: string) {
  await expect(page.getByRole("link", { name: experiment, exact: true }).first()).toBeVisible();
}
