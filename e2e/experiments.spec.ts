// The list of experiments: rows that link to their pages, newest first, a page at a time.
import { expect, test } from "./fixtures";

test("an experiment created over the worker API is listed and links to its page", async ({ page, experiments }) => {
  const name = await experiments.create({
    name: `e2e list ✓ ${Math.random().toString(36).slice(2, 10)}`,
    metric: "score",
    populationSize: 2,
    stop: { maxGenerations: 3 },
    hyperparameters: {
      lr: {
        init: { kind: "loguniform", low: 0.0001, high: 0.1 },
        explore: { kind: "perturb" },
      },
    },
  });

  await page.goto("/");
  const table = page.getByRole("table", { name: "Experiments" });
  // `has` is resolved inside each row, so it starts from the page, not from the table.
  const row = table.getByRole("row").filter({ has: page.getByRole("link", { name, exact: true }) });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole("cell", { name: "running", exact: true })).toBeVisible();
  // No worker has asked for a job yet, so no member exists: population 0 of 2.
  await expect(row.getByRole("cell", { name: "0/2", exact: true })).toBeVisible();

  await row.getByRole("link", { name, exact: true }).click();
  await expect(page).toHaveURL((url) => decodeURIComponent(url.pathname) === `/experiments/${name}`);
  await expect(page.getByRole("heading", { level: 1, name, exact: true })).toBeVisible();
});

test("the list shows the newest experiments first, a page at a time, and shows more on demand", async ({ page, experiments }) => {
  const prefix = `e2e page ${Math.random().toString(36).slice(2, 8)}`;
  // More than a page of the list (50): the oldest of them is on a later page.
  for (let i = 0; i < 55; i++) {
    await experiments.create({ name: `${prefix} ${i}`, metric: "score", populationSize: 1, stop: { maxGenerations: 1 }, hyperparameters: {} });
  }
  await page.goto("/");
  const table = page.getByRole("table", { name: "Experiments" });
  const link = (i: number) => table.getByRole("link", { name: `${prefix} ${i}`, exact: true });
  await expect(link(54)).toBeVisible();
  await expect(table.locator("tbody tr")).toHaveCount(50);
  await expect(link(0)).toHaveCount(0);
  const more = page.getByRole("button", { name: "Show more" });
  while ((await link(0).count()) === 0) {
    const rows = await table.locator("tbody tr").count();
    await more.click();
    await expect.poll(() => table.locator("tbody tr").count()).toBeGreaterThan(rows);
  }
  await expect(link(0)).toBeVisible();
  expect(await table.locator("tbody tr").count()).toBeGreaterThan(50);
});
