// Threat intel in the browser: an analyst of a Belgian hospital publishes a TLP:AMBER indicator;
// another Belgian hospital can neither find it nor open it (the hub refuses it too) while the
// Belgian authority finds it with its AMBER label; TLP labels carry the FIRST colours on black
// with the level written out; free text is refanged, checked against the warninglists and the
// chosen candidates published; an authority administrator creates a collection, grants a
// hospital write access, and the hospitals get exactly the access it gave.

import assert from "node:assert/strict";
import crypto from "node:crypto";
import { test } from "node:test";

import {
  apiLogin,
  createReadyUser,
  demoNamed,
  expectStatus,
  login,
  openFromNav,
  uniqueName,
  useBrowserForFile,
  withPage,
} from "./helpers.mjs";

useBrowserForFile();

/** A domain name no list and no earlier run knows. */
function freshDomain(label) {
  return `${label}-${crypto.randomBytes(4).toString("hex")}.relay-${Date.now().toString(36)}.net`;
}

/** The Belgian indicators collection (the country root's, default AMBER) as `session` sees it. */
async function belgianIndicators(session) {
  const list = expectStatus(
    await session.call("GET", "/api/v1/intel/collections"),
    200,
    "listing collections",
  );
  const c = list.items.find((x) => x.root === "be" && x.alias === "indicators");
  assert.ok(c, `no "be" indicators collection in ${JSON.stringify(list.items)}`);
  return c;
}

async function searchApi(session, q) {
  const found = expectStatus(
    await session.call("GET", `/api/v1/intel/objects?${new URLSearchParams({ q })}`),
    200,
    "searching",
  );
  return found.items;
}

/** Searches the browse page for `q` and waits for the answer. */
async function searchUi(page, q) {
  await page.goto(`/intel?${new URLSearchParams({ q })}`);
  await page.getByRole("heading", { level: 1, name: "Threat intel" }).waitFor();
  const count = page.locator(".results-count");
  await count.filter({ hasText: /\S/ }).waitFor();
  return count.innerText();
}

const kTlpColours = {
  clear: "rgb(255, 255, 255)",
  green: "rgb(51, 255, 0)",
  amber: "rgb(255, 192, 0)",
  "amber+strict": "rgb(255, 192, 0)",
  red: "rgb(255, 43, 43)",
};

async function tlpStyle(locator) {
  return locator.evaluate((el) => {
    const s = getComputedStyle(el);
    return { color: s.color, background: s.backgroundColor, text: el.textContent };
  });
}

test("a hospital analyst publishes a TLP:AMBER indicator: its authority finds it, a sibling hospital does not", async (t) => {
  const analyst = await createReadyUser(demoNamed("h1.admin"), "analyst");
  const domain = freshDomain("c2");
  let objectId = "";
  await withPage(t, async (page) => {
    await login(page, analyst.username, analyst.password);
    await openFromNav(page, "Threat intel");
    await page.getByRole("link", { name: "Publish an indicator" }).click();
    await page.getByRole("heading", { level: 1, name: "Submit threat intel" }).waitFor();

    const session = await apiLogin(analyst.username, analyst.password);
    const collection = await belgianIndicators(session);
    assert.equal(collection.can_write, true);
    await page.getByLabel("Kind", { exact: true }).selectOption("domain");
    await page.getByLabel("Value", { exact: true }).fill(domain);
    await page.getByLabel("Name (optional)").fill(`C2 relay ${domain}`);
    await page.getByLabel("Collection", { exact: true }).selectOption(collection.id);
    await page.getByRole("radio", { name: "TLP:AMBER", exact: true }).check();
    // AMBER names recipients beyond the authority; none is needed here.
    await page.getByRole("group", { name: "Recipients" }).waitFor();
    await page.getByLabel("Confidence (optional)").fill("80");
    await page.getByRole("button", { name: "Publish the indicator" }).click();

    const report = page.getByTestId("ingest-report");
    await report.waitFor();
    assert.equal(await report.locator('[data-key="accepted"] dd').innerText(), "1");
    assert.equal(await report.locator('[data-key="rejected"] dd').innerText(), "0");
    await report.getByRole("link", { name: /^indicator--/ }).click();
    await page.waitForURL(/\/intel\/objects\/indicator--[0-9a-f-]{36}$/);
    objectId = decodeURIComponent(/\/intel\/objects\/([^/?]+)/.exec(page.url())[1]);

    const head = page.getByTestId("object-head");
    await head.waitFor();
    assert.equal(await head.getAttribute("data-tlp"), "amber");
    const label = head.locator('.tlp[data-tlp="amber"]');
    const style = await tlpStyle(label);
    assert.match(style.text, /^TLP:AMBER/);
    assert.equal(style.color, kTlpColours.amber);
    assert.equal(style.background, "rgb(0, 0, 0)");
    assert.match(
      await page.getByTestId("object-json").innerText(),
      new RegExp(domain.replace(/\./g, "\\.")),
    );

    const stored = expectStatus(
      await session.call("GET", `/api/v1/intel/objects/${objectId}`),
      200,
      "reading the indicator",
    );
    assert.equal(stored.tlp, "amber");
    assert.equal(stored.producer.id, session.me.organisation.id);
    assert.equal(stored.object.confidence, 80);
    assert.match(
      stored.object.pattern,
      new RegExp(`domain-name:value = '${domain.replace(/\./g, "\\.")}'`),
    );
  });

  // Another hospital under the same authority: nothing in search, not found when opened.
  const sibling = demoNamed("h2.admin");
  const siblingSession = await apiLogin(sibling.username, sibling.password);
  assert.deepEqual(await searchApi(siblingSession, domain), []);
  assert.equal((await siblingSession.call("GET", `/api/v1/intel/objects/${objectId}`)).status, 404);
  await withPage(t, async (page) => {
    await login(page, sibling.username, sibling.password);
    assert.equal(await searchUi(page, domain), "No object matches.");
    assert.equal(await page.locator(`[data-object-id="${objectId}"]`).count(), 0);
    await page.goto(`/intel/objects/${objectId}`);
    const problem = page.locator('[role="alert"] [data-problem]');
    await problem.waitFor();
    assert.equal(await problem.getAttribute("data-problem"), "not-found");
    assert.equal(await page.getByTestId("object-json").count(), 0);
  });

  // The Belgian authority finds it, labelled AMBER, and opens it.
  const authority = demoNamed("be.analyst");
  await withPage(t, async (page) => {
    await login(page, authority.username, authority.password);
    assert.match(await searchUi(page, domain), /^Page 1: 1 object$/);
    const row = page.locator(`[data-object-id="${objectId}"]`);
    assert.equal(await row.getAttribute("data-tlp"), "amber");
    assert.match(await row.locator(".tlp").innerText(), /^TLP:AMBER/);
    await row.getByRole("link").click();
    await page.getByTestId("object-head").waitFor();
    assert.match(
      await page.getByTestId("object-facts").innerText(),
      /Sint-Demo University Hospital/,
    );
  });
});

test("TLP labels show the FIRST colours on black with the level written out", async (t) => {
  const analyst = demoNamed("be.analyst");
  await withPage(t, async (page) => {
    await login(page, analyst.username, analyst.password);
    await page.goto("/intel/submit");
    const picker = page.locator('.tlp-picker[data-name="tlp"]');
    await picker.waitFor();
    const labels = picker.locator(".tlp");
    assert.deepEqual(await labels.allInnerTexts(), [
      "TLP:CLEAR",
      "TLP:GREEN",
      "TLP:AMBER",
      "TLP:AMBER+STRICT",
      "TLP:RED",
    ]);
    for (const [tlp, colour] of Object.entries(kTlpColours)) {
      const style = await tlpStyle(picker.locator(`.tlp[data-tlp="${tlp}"]`));
      assert.equal(style.color, colour, tlp);
      assert.equal(style.background, "rgb(0, 0, 0)", tlp);
    }
    // Each radio is named by its level and described by who may see it.
    const red = page.getByRole("radio", { name: "TLP:RED", exact: true });
    const describedBy = await red.getAttribute("aria-describedby");
    assert.match(
      await page.locator(`[id="${describedBy}"]`).innerText(),
      /only the organisations you name/,
    );
    // Choosing RED asks for the recipients; CLEAR does not.
    await red.check();
    await page.getByRole("group", { name: "Recipients" }).waitFor();
    await page.getByRole("radio", { name: "TLP:CLEAR", exact: true }).check();
    assert.equal(await page.getByRole("group", { name: "Recipients" }).count(), 0);
  });
});

test("free text is refanged and checked, and the chosen candidates are published", async (t) => {
  const analyst = demoNamed("be.analyst");
  const domain = freshDomain("phish");
  const defangedDomain = domain.replace(/\./g, "[.]");
  const url = `https://login.${domain}/verify`;
  const text = [
    "Dear colleagues,",
    `the phishing mails link to hxxps://login[.]${defangedDomain}/verify and the payload`,
    `calls back to ${defangedDomain} over DNS. The dropper also checks connectivity with`,
    "8.8.8[.]8 before it runs. Regards.",
  ].join("\n");
  await withPage(t, async (page) => {
    await login(page, analyst.username, analyst.password);
    await openFromNav(page, "Threat intel");
    await page.getByRole("link", { name: "Extract indicators from text" }).click();
    await page.getByRole("heading", { level: 1, name: "Submit threat intel" }).waitFor();
    await page.getByLabel("Text", { exact: true }).fill(text);
    await page.getByRole("button", { name: "Extract indicators" }).click();

    const table = page.getByRole("table", { name: "Candidate indicators" });
    await table.waitFor();
    const row = (value) => table.locator(`[data-testid="candidate"][data-value="${value}"]`);

    const urlRow = row(url);
    await urlRow.waitFor();
    assert.equal(await urlRow.getAttribute("data-kind"), "url");
    assert.equal(await urlRow.getAttribute("data-refanged"), "true");
    assert.equal(await urlRow.getAttribute("data-valid"), "true");
    assert.match(await urlRow.getByTestId("raw").innerText(), /^hxxps:\/\/login\[\.\]/);
    assert.equal(await urlRow.getByRole("checkbox").isChecked(), true);

    const domainRow = row(domain);
    assert.equal(await domainRow.getAttribute("data-kind"), "domain");
    assert.equal(await domainRow.getAttribute("data-refanged"), "true");
    assert.equal(await domainRow.getByRole("checkbox").isChecked(), true);

    // A public resolver: on a warninglist, so not ticked.
    const resolver = row("8.8.8.8");
    assert.equal(await resolver.getAttribute("data-kind"), "ipv4");
    assert.equal(await resolver.getAttribute("data-refanged"), "true");
    assert.equal(await resolver.getByRole("checkbox").isChecked(), false);
    assert.ok((await resolver.locator(".badge-warn").count()) >= 1, "warninglist hit shown");

    await page.getByRole("radio", { name: "TLP:GREEN", exact: true }).check();
    await page.getByLabel("Name prefix (optional)").fill("Phishing bulletin");
    const ticked = await table.locator('input[type="checkbox"]:checked').count();
    assert.ok(ticked >= 2);
    await page.getByRole("button", { name: `Publish ${ticked} indicators` }).click();

    const report = page.getByTestId("ingest-report");
    await report.waitFor();
    assert.equal(await report.locator('[data-key="accepted"] dd').innerText(), String(ticked));
    assert.equal(await report.locator('[data-key="rejected"] dd').innerText(), "0");
  });

  const session = await apiLogin(analyst.username, analyst.password);
  const found = await searchApi(session, domain);
  assert.ok(found.length >= 2, `the URL and the domain are stored: ${JSON.stringify(found)}`);
  assert.ok(found.every((o) => o.tlp === "green" && o.type === "indicator"));
  assert.deepEqual(await searchApi(session, uniqueName("absent")), []);
});

test("an authority administrator creates a collection and grants a hospital write access", async (t) => {
  const admin = demoNamed("be.admin");
  const title = uniqueName("Radiology IoCs");
  const hospital = demoNamed("h1.admin");
  const hospitalSession = await apiLogin(hospital.username, hospital.password);
  let collectionId = "";
  await withPage(t, async (page) => {
    await login(page, admin.username, admin.password);
    await page.goto("/intel/collections");
    await page.getByRole("heading", { level: 1, name: "Threat intel collections" }).waitFor();
    await page.getByRole("button", { name: "New collection" }).click();
    await page.getByLabel("API root", { exact: true }).selectOption("be");
    await page.getByLabel("Title", { exact: true }).fill(title);
    await page
      .getByLabel("Description", { exact: true })
      .fill("Indicators seen against radiology systems.");
    await page.getByRole("radio", { name: "TLP:GREEN", exact: true }).check();
    await page.getByLabel("may read", { exact: true }).check();
    await page.getByLabel("may write", { exact: true }).uncheck();
    await page.getByRole("button", { name: "Create the collection" }).click();

    await page.waitForURL(/\/intel\/collections\/[0-9a-f-]{36}\?created=1$/);
    collectionId = /\/intel\/collections\/([0-9a-f-]{36})/.exec(page.url())[1];
    await page.getByRole("heading", { level: 1, name: title }).waitFor();

    // Grant the hospital write access.
    await page.getByLabel("Add an organisation").selectOption({ label: hospital.organisation });
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByLabel(`${hospital.organisation} writes`).check();
    await page.getByRole("button", { name: "Save the grants" }).click();
    await page.getByText("The grants were saved.").waitFor();

    // A reload shows the grant as stored.
    await page.reload();
    const grant = page.getByTestId("grant");
    await grant.waitFor();
    assert.equal(await grant.count(), 1);
    assert.match(await grant.innerText(), new RegExp(hospital.organisation));
    assert.equal(await page.getByLabel(`${hospital.organisation} writes`).isChecked(), true);

    // The settings change too.
    await page.getByLabel("Title", { exact: true }).fill(`${title} (CT)`);
    await page.getByRole("button", { name: "Save the settings" }).click();
    await page.getByText("The collection was saved.").waitFor();
  });

  const adminSession = await apiLogin(admin.username, admin.password);
  const grants = expectStatus(
    await adminSession.call("GET", `/api/v1/intel/collections/${collectionId}/grants`),
    200,
    "reading the grants",
  );
  assert.deepEqual(
    grants.items.map((g) => [g.org_id, g.can_read, g.can_write]),
    [[hospitalSession.me.organisation.id, true, true]],
  );
  const mine = async (session) =>
    expectStatus(await session.call("GET", "/api/v1/intel/collections"), 200, "listing").items.find(
      (c) => c.id === collectionId,
    );
  const forHospital = await mine(hospitalSession);
  assert.equal(forHospital.title, `${title} (CT)`);
  assert.equal(forHospital.default_tlp, "green");
  assert.equal(forHospital.can_write, true);
  assert.equal(forHospital.can_administer, false);
  const sibling = demoNamed("h2.admin");
  const forSibling = await mine(await apiLogin(sibling.username, sibling.password));
  assert.equal(forSibling.can_read, true, "the Belgian community reads it");
  assert.equal(forSibling.can_write, false, "but only the granted hospital writes");
  const dutch = demoNamed("nl.admin");
  assert.equal(await mine(await apiLogin(dutch.username, dutch.password)), undefined);

  // The hospital's administrator sees no collection administration.
  await withPage(t, async (page) => {
    await login(page, hospital.username, hospital.password);
    await page.goto("/intel/collections");
    const row = page.locator(`[data-collection-id="${collectionId}"]`);
    await row.waitFor();
    assert.match(await row.getByTestId("access").innerText(), /Read[\s\S]*Write/);
    assert.equal(await row.getByRole("link", { name: /Manage/ }).count(), 0);
    assert.equal(await page.getByRole("button", { name: "New collection" }).count(), 0);
  });
});

test("an administrator creates a device pull feed whose address serves the blocklist until revoked", async (t) => {
  const admin = demoNamed("be.admin");
  const session = await apiLogin(admin.username, admin.password);
  const collection = await belgianIndicators(session);
  const domain = freshDomain("exfil");
  const published = expectStatus(
    await session.call("POST", `/api/v1/intel/collections/${collection.id}/indicators`, {
      kind: "domain",
      value: domain,
      tlp: "green",
    }),
    200,
    "publishing an indicator",
  );
  assert.equal(published.accepted.length, 1);
  const name = uniqueName("Perimeter firewall");
  await withPage(t, async (page) => {
    await login(page, admin.username, admin.password);
    await page.goto("/intel/exports");
    await page.getByRole("heading", { level: 1, name: "Threat intel exports" }).waitFor();
    const form = page.getByRole("region", { name: "New pull feed" });
    await form.getByLabel("Name", { exact: true }).fill(name);
    await form.getByLabel("Format", { exact: true }).selectOption("blocklist");
    await form.getByLabel("Values", { exact: true }).selectOption("domain");
    await form.getByLabel("TLP ceiling", { exact: true }).selectOption("green");
    await form.getByRole("button", { name: "Create the pull feed" }).click();

    const secret = page.locator("[data-secret]");
    await secret.waitFor();
    const url = await secret.innerText();
    assert.match(url, /\/api\/v1\/intel\/pull\/\S+$/);
    const pulled = await fetch(url);
    assert.equal(pulled.status, 200);
    assert.ok((await pulled.text()).split("\n").includes(domain), "the blocklist lists the domain");

    const row = page.locator("tr", { hasText: name });
    await row.waitFor();
    await page.getByRole("button", { name: "I have stored it — hide" }).click();
    assert.equal(await secret.count(), 0, "the token is not shown again");
    await row.getByRole("button", { name: `Revoke ${name}` }).click();
    await row.getByRole("button", { name: "Revoke it" }).click();
    await page.getByText(`${name} was revoked.`).waitFor();
    assert.notEqual((await fetch(url)).status, 200);
  });
});
