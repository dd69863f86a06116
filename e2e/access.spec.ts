// Access control in the browser: sign in with a token, manage tokens, sign out, and the session's limits.
import { expect, test } from "@playwright/test";
import { AUTH_ADMIN_TOKEN, AUTH_PORT, AUTH_URL } from "./auth-server";

test.use({ baseURL: AUTH_URL });

test("signs in with a token, creates and revokes a worker token that then no longer works", async ({ page, request }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: /sign in/i })).toBeVisible();
  const tokenField = page.getByLabel(/token/i);
  await tokenField.fill("lin_not_a_real_token_000000000000");
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page.getByText(/not valid/)).toBeVisible();
  await tokenField.fill(AUTH_ADMIN_TOKEN);
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page.getByRole("heading", { name: "Experiments", exact: true })).toBeVisible();
  // The session cookie is http-only and holds a random session id, never the token.
  expect(await page.evaluate(() => document.cookie)).not.toContain("lineage_session");
  const [session] = (await page.context().cookies()).filter((c) => c.name === "lineage_session");
  expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict" });
  expect(session!.value).not.toContain("lin_");

  await page.getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();
  await page.getByLabel("What it is for").fill("e2e workers");
  await page.getByLabel("Role").selectOption("worker");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())!.trim();
  expect(token).toMatch(/^lin_/);
  const row = page.getByRole("row", { name: /e2e workers/ });
  await expect(row).toContainText("worker");
  await expect(row).not.toContainText(token);

  // The new worker token works for a worker call's read, and may not manage tokens.
  const auth = { authorization: `Bearer ${token}` };
  expect((await request.get("/api/v1/experiments", { headers: auth })).status()).toBe(200);
  expect((await request.get("/api/v1/tokens", { headers: auth })).status()).toBe(403);

  page.once("dialog", (dialog) => void dialog.accept());
  await row.getByRole("button", { name: /Revoke/ }).click();
  await expect(row).toContainText("revoked");
  // At once: a revoked token does not live on in any cache.
  expect((await request.get("/api/v1/experiments", { headers: auth })).status()).toBe(401);
});

test("signing out ends the session on the server: a copy of the cookie no longer works", async ({ page, request }) => {
  await page.goto("/");
  await page.getByLabel(/token/i).fill(AUTH_ADMIN_TOKEN);
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page.getByRole("heading", { name: "Experiments", exact: true })).toBeVisible();
  const [session] = (await page.context().cookies()).filter((c) => c.name === "lineage_session");
  const copy = { cookie: `lineage_session=${session!.value}` };
  expect((await request.get("/api/v1/experiments", { headers: copy })).status()).toBe(200);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: /sign in/i })).toBeVisible();
  expect((await page.context().cookies()).filter((c) => c.name === "lineage_session")).toEqual([]);
  expect((await request.get("/api/v1/experiments", { headers: copy })).status()).toBe(401);
});

test("a malformed cookie planted by another page is ignored, with access control on and off", async ({ page }) => {
  const plant = (url: string) => page.context().addCookies(["lineage_token", "lineage_session"].map((name) => ({ name, value: "%E0%A4%A", url })));
  await plant(AUTH_URL);
  await page.goto("/");
  await expect(page.getByRole("heading", { name: /sign in/i })).toBeVisible();
  // The other server of the browser tests has no access control.
  const open = `http://127.0.0.1:${AUTH_PORT - 1}`;
  await plant(open);
  await page.goto(open);
  await expect(page.getByRole("heading", { name: "Experiments", exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out" })).toHaveCount(0);
});

test("without a session the APIs answer 401", async ({ request }) => {
  expect((await request.get("/api/v1/experiments")).status()).toBe(401);
  expect((await request.get("/api/trpc/experiments.list")).status()).toBe(401);
});
