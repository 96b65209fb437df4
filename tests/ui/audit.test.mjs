// Audit log: entries for administrative actions, paging to older entries, chain verification.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  apiLogin,
  demoAdmin,
  login,
  openFromNav,
  uniqueName,
  useBrowserForFile,
  withPage,
} from "./helpers.mjs";

useBrowserForFile();

const kPageSize = 50;

async function createUsers(session, count) {
  const ids = [];
  for (let i = 0; i < count; i++) {
    const created = await session.call("POST", "/api/v1/users", {
      username: uniqueName("audit"),
      display_name: "Audit Test",
      role: "viewer",
      organisation_id: session.me.organisation.id,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    ids.push(created.body.user.id);
  }
  return ids;
}

test("the audit log lists a user creation and the support centre's chain check passes", async (t) => {
  const admin = demoAdmin("support_centre");
  const session = await apiLogin(admin.username, admin.password);
  const [id] = await createUsers(session, 1);
  await withPage(t, async (page) => {
    await login(page, admin.username, admin.password);
    await openFromNav(page, "Audit log");

    const row = page.locator('tr[data-action="user.create"]').filter({ hasText: `user:${id}` });
    await row.waitFor();
    const cells = await row.locator("td").allInnerTexts();
    assert.equal(cells[1], admin.username, "actor");
    assert.equal(cells[2], "user.create", "action");
    assert.match(cells[3], new RegExp(`user:${id}\\b`), "target");
    assert.match(cells[4], /127\.0\.0\.1/, "address");
    assert.equal(cells[5], "201", "status");

    await page.getByRole("button", { name: "Verify chain" }).click();
    const result = page.getByTestId("verify-result").locator("[data-ok]");
    await result.waitFor();
    assert.equal(await result.getAttribute("data-ok"), "true", await result.innerText());
    assert.match(await result.innerText(), /Chain intact/);
  });
});

test("'Load older entries' appends the next page of the audit log", async (t) => {
  const admin = demoAdmin("support_centre");
  const session = await apiLogin(admin.username, admin.password);
  const first = await session.call("GET", `/api/v1/audit?limit=${kPageSize}`);
  assert.equal(first.status, 200);
  if (first.body.next_before === null) {
    await createUsers(session, kPageSize + 1 - first.body.items.length);
  }
  await withPage(t, async (page) => {
    await login(page, admin.username, admin.password, { path: "/admin/audit" });
    const rows = page.locator("tbody tr[data-seq]");
    await rows.first().waitFor();
    assert.equal(await rows.count(), kPageSize);
    await page.getByRole("button", { name: "Load older entries" }).click();
    await page.waitForFunction(
      (n) => document.querySelectorAll("tbody tr[data-seq]").length > n,
      kPageSize,
    );
    const seqs = await rows.evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
    for (let i = 1; i < seqs.length; i++) {
      assert.ok(
        seqs[i] < seqs[i - 1],
        `entries strictly newest first at ${i}: ${seqs[i - 1]}, ${seqs[i]}`,
      );
    }
  });
});

test("an authority administrator sees the audit log but no chain check", async (t) => {
  const admin = demoAdmin("authority");
  await withPage(t, async (page) => {
    await login(page, admin.username, admin.password, { path: "/admin/audit" });
    await page.getByRole("heading", { level: 1, name: "Audit log" }).waitFor();
    await page.locator("tbody tr[data-seq], p.empty").first().waitFor();
    assert.equal(await page.getByRole("button", { name: "Verify chain" }).count(), 0);
  });
});
