// User administration: creation with a one-time password that must be changed at first sign-in,
// role changes, disabling, password resets; and the lock-out after repeated wrong passwords.
// The lock-out test comes last in the last file (node --test runs files in name order), so a
// hub that limits by client address cannot disturb the other tests.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  apiLogin,
  baseURL,
  createReadyUser,
  demoAdmin,
  login,
  logout,
  openFromNav,
  submitLogin,
  uniqueName,
  useBrowserForFile,
  withPage,
} from "./helpers.mjs";

useBrowserForFile();

test("a new user signs in with the one-time password, must choose a new one, then reaches the overview", async (t) => {
  const admin = demoAdmin("provider");
  const username = uniqueName("nurse");
  await withPage(t, async (page) => {
    await login(page, admin.username, admin.password);
    await openFromNav(page, "Users");

    const form = page
      .locator("form")
      .filter({ has: page.getByRole("button", { name: "Create user" }) });
    await form.getByLabel("Username").fill(username);
    await form.getByLabel("Display name").fill("Night Nurse");
    await form.getByLabel("Email (optional)").fill(`${username}@example.org`);
    await form.getByLabel("Role").selectOption("reporter");
    await form.getByRole("button", { name: "Create user" }).click();

    const secret = page.getByRole("region", { name: `Initial password for ${username}` });
    await secret.waitFor();
    const oneTime = (await secret.locator("[data-secret]").innerText()).trim();
    assert.ok(oneTime.length >= 8, "an initial password is shown");
    await secret.getByRole("button", { name: "Copy" }).click();
    await secret.getByText("Copied to the clipboard.").waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), oneTime);

    const row = page.locator(`tr[data-username="${username}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Night Nurse/);
    assert.equal(await row.getByLabel(`Role of ${username}`).inputValue(), "reporter");

    await logout(page);
    await login(page, username, oneTime, { expectForcedChange: true });
    assert.equal(await page.getByRole("navigation", { name: "Main" }).count(), 0);

    const newPassword = `correct horse ${Date.now()}`;
    await page.getByLabel("One-time password").fill(oneTime);
    await page.getByLabel("New password", { exact: true }).fill(newPassword);
    await page.getByLabel("Repeat the new password").fill(`${newPassword}x`);
    await page.getByRole("button", { name: "Save and continue" }).click();
    await page.getByRole("alert").getByText("The two new passwords do not match.").waitFor();

    await page.getByLabel("Repeat the new password").fill(newPassword);
    await page.getByRole("button", { name: "Save and continue" }).click();
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    assert.equal(await page.getByRole("banner").getByTestId("header-role").innerText(), "Reporter");
    assert.match(
      await page.getByRole("banner").getByTestId("header-organisation").innerText(),
      new RegExp(admin.organisation.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
    );

    await logout(page);
    await login(page, username, newPassword);
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  });
});

test("an administrator changes a user's role and disables the account, which then cannot sign in", async (t) => {
  const admin = demoAdmin("authority");
  const target = await createReadyUser(admin, "viewer");
  await withPage(t, async (page) => {
    await login(page, admin.username, admin.password, { path: "/admin/users" });
    await page.getByRole("heading", { level: 1, name: "Users" }).waitFor();
    const row = page.locator(`tr[data-username="${target.username}"]`);
    await row.waitFor();

    await row.getByLabel(`Role of ${target.username}`).selectOption("analyst");
    await page.getByRole("status").getByText(`${target.username} is now analyst.`).waitFor();
    const self = await apiLogin(target.username, target.password);
    assert.equal(self.me.user.role, "analyst");

    await row.getByRole("button", { name: `Disable ${target.username}` }).click();
    await row.getByRole("button", { name: "Disable", exact: true }).click();
    await row.getByText("Disabled", { exact: true }).waitFor();
    await assert.rejects(apiLogin(target.username, target.password), /answered 401/);

    await row.getByRole("button", { name: `Enable ${target.username}` }).click();
    await row.getByText("Active", { exact: true }).waitFor();
    const again = await apiLogin(target.username, target.password);
    assert.equal(again.me.user.disabled, false);
  });
});

test("resetting a password shows a new one-time password that forces a change at sign-in", async (t) => {
  const admin = demoAdmin("authority");
  const target = await createReadyUser(admin, "analyst");
  await withPage(t, async (page) => {
    await login(page, admin.username, admin.password, { path: "/admin/users" });
    const row = page.locator(`tr[data-username="${target.username}"]`);
    await row.waitFor();
    await row.getByRole("button", { name: `Reset password of ${target.username}` }).click();
    await row.getByRole("button", { name: "Reset", exact: true }).click();
    const secret = page.getByRole("region", {
      name: `New one-time password for ${target.username}`,
    });
    await secret.waitFor();
    const oneTime = (await secret.locator("[data-secret]").innerText()).trim();

    await assert.rejects(apiLogin(target.username, target.password), /answered 401/);
    const session = await apiLogin(target.username, oneTime);
    assert.equal(session.me.password_change_required, true);
  });
});

const kMaxAttempts = 50;

test("after repeated wrong passwords the login page shows the hub's wait message", async (t) => {
  const admin = demoAdmin("provider");
  const user = await createReadyUser(admin, "viewer");
  let limited = false;
  for (let i = 0; i < kMaxAttempts && !limited; i++) {
    const res = await fetch(`${baseURL}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: user.username, password: `wrong-${i}` }),
    });
    await res.arrayBuffer();
    assert.ok(res.status === 401 || res.status === 429, `attempt ${i} answered ${res.status}`);
    limited = res.status === 429;
  }
  assert.ok(limited, `no 429 after ${kMaxAttempts} failed attempts`);

  await withPage(t, async (page) => {
    await page.goto("/login");
    await submitLogin(page, user.username, user.password);
    const problem = page.locator('[role="alert"] [data-problem]');
    await problem.waitFor();
    assert.equal(await problem.getAttribute("data-problem"), "rate-limited");
    assert.match(await problem.innerText(), /wait|try again|minute|second/i);
    assert.match(page.url(), /\/login$/);
  });
});
