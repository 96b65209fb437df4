// Threat intel sightings in the browser: a Belgian hospital's analyst publishes two TLP:GREEN
// indicators (one indicates a malware family) and reports sightings of both; a sibling hospital
// reports the first too. The analyst's "Our findings" lists its own reports with the
// indicator's context, its chart and a working link; "Across the sector" sums both hospitals.
// The sibling, who may see both indicators, finds only its own report among its findings, and
// the Belgian authority lands on the sector view. Filters reach the hub; "Load more" follows its
// cursor.

import assert from "node:assert/strict";
import crypto from "node:crypto";
import { test } from "node:test";

import {
  apiLogin,
  createProvider,
  createReadyUser,
  demoNamed,
  escapeRegExp,
  expectStatus,
  login,
  uniqueName,
  useBrowserForFile,
  withPage,
} from "./helpers.mjs";

useBrowserForFile();

const kHour = 3_600_000;

function stixTime(ms) {
  return new Date(ms).toISOString();
}

function indicator(name, domain, created) {
  return {
    type: "indicator",
    spec_version: "2.1",
    id: `indicator--${crypto.randomUUID()}`,
    created,
    modified: created,
    name,
    pattern: `[domain-name:value = '${domain}']`,
    pattern_type: "stix",
    valid_from: created,
  };
}

/** Publishes, as `session`, a GREEN bundle to the Belgian indicators collection. */
async function publishBundle(session, objects) {
  const collections = expectStatus(
    await session.call("GET", "/api/v1/intel/collections"),
    200,
    "listing collections",
  );
  const be = collections.items.find((c) => c.root === "be" && c.alias === "indicators");
  assert.ok(be?.can_write, "the analyst writes the Belgian indicators collection");
  const report = expectStatus(
    await session.call("POST", `/api/v1/intel/collections/${be.id}/objects`, {
      bundle: { type: "bundle", id: `bundle--${crypto.randomUUID()}`, objects },
      tlp: "green",
    }),
    200,
    "publishing the bundle",
  );
  assert.equal(report.rejected.length, 0, JSON.stringify(report.rejected));
}

async function reportSighting(session, ref, count) {
  const now = Date.now();
  const res = await session.call("POST", "/api/v1/intel/sightings", {
    sighting_of_ref: ref,
    count,
    first_seen: stixTime(now - 3 * kHour),
    last_seen: stixTime(now - kHour),
  });
  assert.ok(res.status === 200 || res.status === 201, `sighting answered ${res.status}`);
}

/** Opens the sightings page (optionally with a query) and waits for the first answer. */
async function openSightings(page, query = "") {
  await page.goto(`/intel/sightings${query}`);
  await page.getByRole("heading", { level: 1, name: "Threat intel sightings" }).waitFor();
  await page.getByRole("table").or(page.getByTestId("sightings-empty")).first().waitFor();
}

const row = (page, ref) => page.locator(`[data-testid="sighting"][data-ref="${ref}"]`);

test("a provider sees its own findings with their context, and the sector's sum of them", async (t) => {
  const analyst = await createReadyUser(demoNamed("h1.admin"), "analyst");
  const session = await apiLogin(analyst.username, analyst.password);
  const created = stixTime(Date.now() - 24 * kHour);
  const tag = uniqueName("sighted");
  const family = {
    type: "malware",
    spec_version: "2.1",
    id: `malware--${crypto.randomUUID()}`,
    created,
    modified: created,
    name: `Locker ${tag}`,
    is_family: true,
  };
  const shared = indicator(`C2 of ${tag}`, `c2.${tag}.example`, created);
  const onlyOurs = indicator(`Dropper of ${tag}`, `drop.${tag}.example`, created);
  const indicates = {
    type: "relationship",
    spec_version: "2.1",
    id: `relationship--${crypto.randomUUID()}`,
    created,
    modified: created,
    relationship_type: "indicates",
    source_ref: shared.id,
    target_ref: family.id,
  };
  await publishBundle(session, [family, shared, onlyOurs, indicates]);
  await reportSighting(session, shared.id, 3);
  await reportSighting(session, onlyOurs.id, 2);
  const sibling = demoNamed("h2.admin");
  const siblingSession = await apiLogin(sibling.username, sibling.password);
  await reportSighting(siblingSession, shared.id, 4);

  await withPage(t, async (page) => {
    await login(page, analyst.username, analyst.password);
    await page.goto("/intel");
    await page
      .getByRole("navigation", { name: "Threat intel views" })
      .getByRole("link", {
        name: "Sightings",
      })
      .click();
    await page.getByRole("heading", { level: 1, name: "Threat intel sightings" }).waitFor();

    // A provider starts on its own findings: one report per row, with where it came from.
    assert.equal(await page.getByRole("radio", { name: "Our findings" }).isChecked(), true);
    const mine = row(page, shared.id);
    await mine.waitFor();
    assert.equal(await mine.count(), 1);
    assert.equal(await mine.getByTestId("hits").innerText(), "3");
    assert.match(await mine.innerText(), /Web console/);
    assert.match(await mine.locator(".tlp").innerText(), /^TLP:GREEN/);
    assert.match(await mine.locator("code").innerText(), new RegExp(`c2\\.${tag}\\.example`));
    assert.match(await mine.innerText(), new RegExp(`indicates\\s+Locker ${tag}`));
    assert.equal(await row(page, onlyOurs.id).getByTestId("hits").innerText(), "2");

    // The chart plots the same hits per indicator.
    const bar = page.locator(`[data-testid="sightings-chart"] [data-key="${shared.id}"]`);
    assert.equal(await bar.getAttribute("data-value"), "3.0");
    const total = Number(
      (await page.locator('[data-key="hits"] dd').innerText()).replace(/\D/g, ""),
    );
    assert.ok(total >= 5, `total hits ${total} include our 3 + 2`);

    // Across the sector: both hospitals' reports of the shared indicator, summed, unnamed.
    await page.getByRole("radio", { name: "Across the sector" }).check();
    await page.waitForURL(/view=all/);
    const sector = row(page, shared.id);
    await sector.locator('[data-testid="organisations"]').waitFor();
    assert.equal(await sector.getByTestId("organisations").innerText(), "2");
    assert.equal(await sector.getByTestId("hits").innerText(), "7");
    assert.match(await sector.innerText(), /Belgium/);
    assert.doesNotMatch(await sector.innerText(), new RegExp(escapeRegExp(sibling.organisation)));

    // The indicator's name opens the object.
    await sector.getByRole("link", { name: `C2 of ${tag}` }).click();
    await page.waitForURL(new RegExp(`/intel/objects/${shared.id}$`));
    await page.getByTestId("object-head").waitFor();
  });

  // The sibling hospital sees both indicators, yet among its findings only its own report.
  for (const id of [shared.id, onlyOurs.id]) {
    assert.equal((await siblingSession.call("GET", `/api/v1/intel/objects/${id}`)).status, 200);
  }
  await withPage(t, async (page) => {
    await login(page, sibling.username, sibling.password);
    await openSightings(page);
    assert.equal(await page.getByRole("radio", { name: "Our findings" }).isChecked(), true);
    const theirs = row(page, shared.id);
    await theirs.waitFor();
    assert.equal(await theirs.count(), 1, "one report: the sibling's own");
    assert.equal(await theirs.getByTestId("hits").innerText(), "4");
    assert.equal(await row(page, onlyOurs.id).count(), 0, "the first hospital's finding");

    await page.getByRole("radio", { name: "Across the sector" }).check();
    const sector = row(page, onlyOurs.id);
    await sector.waitFor();
    assert.equal(await sector.getByTestId("organisations").innerText(), "1");
  });

  // The Belgian authority lands on the sector view.
  const authority = demoNamed("be.analyst");
  await withPage(t, async (page) => {
    await login(page, authority.username, authority.password);
    await openSightings(page);
    assert.equal(await page.getByRole("radio", { name: "Across the sector" }).isChecked(), true);
    const sector = row(page, shared.id);
    await sector.waitFor();
    assert.equal(await sector.getByTestId("organisations").innerText(), "2");
    assert.equal(await sector.getByTestId("hits").innerText(), "7");
  });
});

test("the filters go to the hub: another source or a Member State without reports empties the list", async (t) => {
  const analyst = demoNamed("h3.analyst");
  const session = await apiLogin(analyst.username, analyst.password);
  // The EU-wide demo campaign's C2 domain, which every organisation may see.
  const c2 = "indicator--0b8f5e6a-1c2d-4e3f-8a9b-0c1d2e3f4a01";
  await reportSighting(session, c2, 1);
  await withPage(t, async (page) => {
    await login(page, analyst.username, analyst.password);
    await openSightings(page, "?view=own&source=ui");
    await row(page, c2).waitFor();
    assert.equal(await page.getByLabel("Source", { exact: true }).inputValue(), "ui");
    await page.getByLabel("Source", { exact: true }).selectOption("misp");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await page.waitForURL(/source=misp/);
    await page.getByText("No sighting matches these filters.").waitFor();
    assert.equal(await page.getByRole("table", { name: "Our findings" }).count(), 0);

    // The demo hospitals report from Belgium and the Netherlands; Malta has no reporter.
    await page.getByRole("radio", { name: "Across the sector" }).check();
    await page.waitForURL(/view=all/);
    assert.doesNotMatch(page.url(), /source=/);
    await row(page, c2).getByTestId("organisations").waitFor();
    await page.getByLabel("Member State", { exact: true }).selectOption("MT");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await page.waitForURL(/country=MT/);
    await page.getByText("No sighting matches these filters.").waitFor();
    await page.getByRole("button", { name: "Clear filters" }).click();
    await row(page, c2).getByTestId("organisations").waitFor();
  });
});

test("Load more appends the next page of findings until there is none", async (t) => {
  const authorityAdmin = demoNamed("be.admin");
  const clinic = await createProvider(authorityAdmin, uniqueName("Sighting Clinic"));
  const analyst = await createReadyUser(authorityAdmin, "analyst", clinic.id);
  const session = await apiLogin(analyst.username, analyst.password);
  const collections = expectStatus(
    await session.call("GET", "/api/v1/intel/collections"),
    200,
    "listing collections",
  );
  const be = collections.items.find((c) => c.root === "be" && c.alias === "indicators");
  const tag = uniqueName("paged");
  // One more than a page of the console (50).
  const published = expectStatus(
    await session.call("POST", `/api/v1/intel/collections/${be.id}/indicators/batch`, {
      items: Array.from({ length: 51 }, (_, i) => ({ kind: "domain", value: `h${i}.${tag}.net` })),
      tlp: "green",
    }),
    200,
    "publishing 51 indicators",
  );
  assert.equal(published.accepted.length, 51);
  for (const a of published.accepted) await reportSighting(session, a.id, 1);

  await withPage(t, async (page) => {
    await login(page, analyst.username, analyst.password);
    await openSightings(page);
    const rows = page.locator('[data-testid="sighting"]');
    await page.getByTestId("sightings-count").filter({ hasText: "50 reports" }).waitFor();
    assert.equal(await rows.count(), 50);
    await page.getByRole("button", { name: "Load more" }).click();
    await page.getByTestId("sightings-count").filter({ hasText: "51 reports" }).waitFor();
    assert.equal(await rows.count(), 51);
    const refs = new Set(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.ref)));
    assert.deepEqual(refs, new Set(published.accepted.map((a) => a.id)));
    assert.equal(await page.getByRole("button", { name: "Load more" }).count(), 0);
  });
});
