// Sign-in page: errors from the hub, the header after sign-in, keyboard-only use, sign-out.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  demoUser,
  demoUsers,
  kRoleLabels,
  login,
  logout,
  submitLogin,
  useBrowserForFile,
  withPage,
} from "./helpers.mjs";

useBrowserForFile();

test("a wrong password shows the hub's problem and keeps the user on the login page", async (t) => {
  const user = demoUser((u) => u.kind === "provider", "provider user");
  await withPage(t, async (page) => {
    await page.goto("/");
    await page.waitForURL(/\/login$/);
    assert.equal(await page.locator("html").getAttribute("lang"), "en");
    await submitLogin(page, user.username, `${user.password}-wrong`);

    const alert = page.getByRole("alert").filter({ has: page.locator("[data-problem]") });
    await alert.waitFor();
    assert.equal(
      await alert.locator("[data-problem]").getAttribute("data-problem"),
      "unauthenticated",
    );
    assert.notEqual((await alert.innerText()).trim(), "");
    assert.match(page.url(), /\/login$/);
    assert.equal(await page.getByRole("navigation", { name: "Main" }).count(), 0);
  });
});

const kKinds = {
  support_centre: "a support-centre",
  authority: "an authority",
  provider: "a provider",
};

for (const [kind, article] of Object.entries(kKinds)) {
  test(`signing in as ${article} user shows the organisation, its kind and the role in the header`, async (t) => {
    const user = demoUser((u) => u.kind === kind, `${kind} user`);
    await withPage(t, async (page) => {
      await login(page, user.username, user.password);
      const header = page.getByRole("banner");
      const org = header.getByTestId("header-organisation");
      assert.match(await org.innerText(), new RegExp(escape(user.organisation)));
      const kindText = await org.locator(".org-kind").innerText();
      if (kind === "support_centre") assert.equal(kindText, "Support centre");
      if (kind === "authority") assert.match(kindText, /^Authority \([A-Z]{2}\)$/);
      if (kind === "provider") assert.doesNotMatch(kindText, /Authority|Support centre/);
      assert.equal(await header.getByTestId("header-role").innerText(), kRoleLabels[user.role]);
      await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    });
  });
}

test("the login form can be filled and submitted with the keyboard alone", async (t) => {
  const user = demoUsers().find((u) => u.role !== "admin") ?? demoUsers()[0];
  await withPage(t, async (page) => {
    await page.goto("/login");
    const username = page.getByLabel("Username");
    await username.waitFor();
    assert.ok(await username.evaluate((el) => el === document.activeElement), "username has focus");
    await page.keyboard.type(user.username);
    await page.keyboard.press("Tab");
    const password = page.getByLabel("Password", { exact: true });
    assert.ok(
      await password.evaluate((el) => el === document.activeElement),
      "Tab reaches password",
    );
    const outline = await password.evaluate((el) => getComputedStyle(el).outlineStyle);
    assert.notEqual(outline, "none", "focused input has a visible focus indicator");
    await page.keyboard.type(user.password);
    await page.keyboard.press("Tab");
    const focusedText = await page.evaluate(() => document.activeElement?.textContent ?? "");
    assert.equal(focusedText.trim(), "Sign in", "Tab reaches the submit button");
    await page.keyboard.press("Enter");
    await page.getByRole("navigation", { name: "Main" }).waitFor();
    assert.equal(
      await page.getByRole("banner").getByTestId("header-role").innerText(),
      kRoleLabels[user.role],
    );
  });
});

test("signing out ends the session: the console redirects to the login page", async (t) => {
  const user = demoUser((u) => u.kind === "authority", "authority user");
  await withPage(t, async (page) => {
    await login(page, user.username, user.password);
    await logout(page);
    await page.goto("/account");
    await page.waitForURL(/\/login\?next=%2Faccount$/);
    const me = await page.evaluate(async () => (await fetch("/api/v1/me")).status);
    assert.equal(me, 401);
  });
});

test("a deep link opened before sign-in is shown after signing in", async (t) => {
  const user = demoUser((u) => u.kind === "provider", "provider user");
  await withPage(t, async (page) => {
    await page.goto("/account");
    await page.waitForURL(/\/login\?next=/);
    await submitLogin(page, user.username, user.password);
    await page.getByRole("heading", { level: 1, name: "My account" }).waitFor();
    assert.match(page.url(), /\/account$/);
  });
});

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
