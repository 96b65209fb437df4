// Organisations: the hierarchy table, registering a provider, the two-factor policy switch.

import assert from "node:assert/strict";
import { test } from "node:test";

import { apiLogin, demoAdmin, login, uniqueName, useBrowserForFile, withPage } from "./helpers.mjs";

useBrowserForFile();

test("the support centre sees the hierarchy as a tree: centre, then authorities, then providers", async (t) => {
  const admin = demoAdmin("support_centre");
  await withPage(t, async (page) => {
    await login(page, admin.username, admin.password, { path: "/admin/organisations" });
    const rows = page.locator("table[aria-label='Organisations'] tbody tr");
    await rows.first().waitFor();
    const depths = await rows.evaluateAll((els) =>
      els.map((tr) => Number(/depth-(\d)/.exec(tr.querySelector("th").className)[1])),
    );
    assert.equal(depths[0], 0, "the support centre comes first");
    assert.ok(depths.includes(1), "authorities are indented once");
    assert.ok(depths.includes(2), "providers are indented twice");
    for (let i = 1; i < depths.length; i++) {
      assert.ok(
        depths[i] <= depths[i - 1] + 1,
        "each row is at most one level below the one before",
      );
    }
  });
});

test("an authority administrator registers a provider and requires two-factor authentication for it", async (t) => {
  const admin = demoAdmin("authority");
  const name = uniqueName("Clinic");
  await withPage(t, async (page) => {
    await login(page, admin.username, admin.password, { path: "/admin/organisations" });
    const form = page
      .locator("form")
      .filter({ has: page.getByRole("button", { name: "Register organisation" }) });
    await form.waitFor();
    assert.equal(
      await form.getByLabel("Country").count(),
      0,
      "an authority only registers providers",
    );
    await form.getByLabel("Name", { exact: true }).fill(name);
    await form.getByLabel("Provider type").selectOption("clinic");
    await form.getByLabel("Size").selectOption("small");
    await form.getByRole("button", { name: "Register organisation" }).click();

    const row = page.locator("tbody tr").filter({ hasText: name });
    await row.waitFor();
    assert.match(await row.innerText(), /Clinic/);
    assert.match(await row.locator("th").getAttribute("class"), /depth-[1-9]/);

    const toggle = row.getByRole("switch", {
      name: `Require two-factor authentication for ${name}`,
    });
    assert.equal(await toggle.isChecked(), false);
    await toggle.check();
    await page
      .getByRole("status")
      .getByText(`Two-factor authentication is now required for ${name}.`)
      .waitFor();

    const session = await apiLogin(admin.username, admin.password);
    const list = await session.call("GET", "/api/v1/organisations");
    const org = list.body.items.find((o) => o.name === name);
    assert.ok(org, "the hub lists the new provider");
    assert.equal(org.kind, "provider");
    assert.equal(org.parent_id, session.me.organisation.id);
    assert.equal(org.country, session.me.organisation.country);
    assert.equal(org.require_totp, true);
  });
});
