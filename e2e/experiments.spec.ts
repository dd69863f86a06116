import { expect, test } from "@playwright/test";

test("an experiment created over the worker API is listed and links to its page", async ({
  page,
  request,
}) => {
  const name = `e2e list ✓ ${Math.random().toString(36).slice(2, 10)}`;
  const created = await request.post("/api/v1/experiments", {
    data: {
      name,
      metric: "score",
      populationSize: 2,
      stop: { maxGenerations: 3 },
      hyperparameters: {
        lr: {
          init: { kind: "loguniform", low: 0.0001, high: 0.1 },
          explore: { kind: "perturb" },
        },
      },
    },
  });
  expect(created.status(), await created.text()).toBe(201);

  await page.goto("/");
  const experiments = page.getByRole("table", { name: "Experiments" });
  // `has` is resolved inside each row, so it starts from the page, not from the table.
  const row = experiments.getByRole("row").filter({ has: page.getByRole("link", { name, exact: true }) });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole("cell", { name: "running", exact: true })).toBeVisible();
  // No worker has asked for a job yet, so no member exists: population 0 of 2.
  await expect(row.getByRole("cell", { name: "0/2", exact: true })).toBeVisible();

  await row.getByRole("link", { name, exact: true }).click();
  await expect(page).toHaveURL((url) => decodeURIComponent(url.pathname) === `/experiments/${name}`);
  await expect(page.getByRole("heading", { level: 1, name, exact: true })).toBeVisible();
});
