// Navigation by role, the hub's refusal of admin pages to non-admins, and service pages reached
// by a direct load.

import assert from "node:assert/strict";
import { test } from "node:test";

import { demoAdmin, demoUser, login, useBrowserForFile, withPage } from "./helpers.mjs";

useBrowserForFile();

test("a viewer has no Administration group and is refused /admin/users by the hub", async (t) => {
  const viewer = demoUser((u) => u.role === "viewer", "viewer");
  await withPage(t, async (page) => {
    await login(page, viewer.username, viewer.password);
    const nav = page.getByRole("navigation", { name: "Main" });
    assert.equal(await nav.getByRole("heading", { name: "Administration" }).count(), 0);
    assert.equal(await nav.getByRole("link", { name: "Users" }).count(), 0);
    assert.equal(await nav.getByRole("link", { name: "My account" }).count(), 1);

    await page.goto("/admin/users");
    const problem = page.locator('[role="alert"] [data-problem]');
    await problem.waitFor();
    assert.equal(await problem.getAttribute("data-problem"), "forbidden");
    assert.equal(await page.getByRole("table", { name: "Users" }).count(), 0);
    assert.equal(await page.getByRole("button", { name: "Create user" }).count(), 0);
  });
});

test("an administrator sees the Administration group", async (t) => {
  const admin = demoAdmin("authority");
  await withPage(t, async (page) => {
    await login(page, admin.username, admin.password);
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("heading", { name: "Administration" }).waitFor();
    for (const name of ["Organisations", "Users", "Audit log"]) {
      assert.equal(await nav.getByRole("link", { name }).count(), 1, name);
    }
  });
});

test("the Early warnings link opens its dashboard, and so does a direct load", async (t) => {
  const user = demoUser((u) => u.role !== "admin", "non-admin user");
  await withPage(t, async (page) => {
    await login(page, user.username, user.password);
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: /^Early warnings/ }).click();
    await page.getByRole("heading", { level: 1, name: "Early warnings" }).waitFor();
    assert.match(page.url(), /\/warnings$/);
    assert.match(await nav.locator('[aria-current="page"]').innerText(), /Early warnings/);
    // The hub serves index.html for a service path loaded directly.
    await page.goto("/warnings");
    await page.getByRole("heading", { level: 1, name: "Early warnings" }).waitFor();
  });
});

test("the overview shows the user's organisation and its place in the hierarchy", async (t) => {
  const user = demoUser((u) => u.kind === "provider", "provider user");
  await withPage(t, async (page) => {
    await login(page, user.username, user.password);
    const chain = page.locator("ol.chain > li");
    await chain.first().waitFor();
    const steps = await chain.allInnerTexts();
    assert.equal(steps.length, 3, `support centre > authority > provider, got ${steps}`);
    assert.match(steps[0], /support centre/i);
    assert.match(steps[1], /authority/i);
    assert.match(steps[2], new RegExp(user.organisation.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    assert.match(steps[2], /your organisation/i);
  });
});
