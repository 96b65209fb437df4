// The service catalogue: full-text search narrowed by words and facets with the hub's counts,
// curation through the form (add, find, edit, delete), the hub's refusal shown to an authority
// curating another country, no curation for providers, and a provider's recommendations.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  apiLogin,
  demoNamed,
  escapeRegExp,
  expectStatus,
  login,
  openFromNav,
  uniqueName,
  useBrowserForFile,
  withPage,
} from "./helpers.mjs";

useBrowserForFile();

async function search(session, query) {
  return expectStatus(await session.call("GET", `/api/v1/catalogue?${query}`), 200, query);
}

const results = (page) => page.locator("ol.result-list > li.result");
const countLine = (page) => page.locator("p.results-count");

/** Waits until the result count line names `total` entries. */
async function waitForTotal(page, total) {
  const text = total === 0 ? "No entries match." : new RegExp(`^${total} entr(y|ies)\\b`);
  await countLine(page).filter({ hasText: text }).waitFor();
}

test("search narrows the results with words and facets, with the hub's counts", async (t) => {
  const user = demoNamed("h1.admin");
  const session = await apiLogin(user.username, user.password);
  const all = await search(session, "limit=20");
  const oneWord = await search(session, "q=ransomware&limit=20");
  const twoWords = await search(session, "q=ransomware%20backups&limit=20");
  assert.ok(oneWord.total > 0 && oneWord.total < all.total, "a word narrows the catalogue");
  assert.ok(twoWords.total > 0 && twoWords.total < oneWord.total, "a second word narrows it more");
  const [kind, kindCount] = Object.entries(oneWord.facets.kind).sort((a, b) => a[1] - b[1])[0];
  assert.ok(kindCount < oneWord.total, "a kind facet narrows the word's results");
  const faceted = await search(session, `q=ransomware&kind=${kind}&limit=20`);
  assert.equal(faceted.total, kindCount, "the facet count is what the filter gives");

  await withPage(t, async (page) => {
    await login(page, user.username, user.password);
    await openFromNav(page, "Catalogue");
    await waitForTotal(page, all.total);
    assert.equal(await results(page).count(), Math.min(all.total, 20));

    await page.getByRole("searchbox", { name: "Search the catalogue" }).fill("ransomware");
    await waitForTotal(page, oneWord.total);
    assert.match(page.url(), /[?&]q=ransomware/);
    assert.equal(await results(page).count(), Math.min(oneWord.total, 20));
    assert.ok(
      (await page.locator(".result-snippet mark").count()) > 0,
      "matched words are highlighted in the snippets",
    );

    await page.getByRole("searchbox", { name: "Search the catalogue" }).fill("ransomware backups");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await waitForTotal(page, twoWords.total);
    const titles = await results(page).locator("h3").allInnerTexts();
    assert.deepEqual(
      titles,
      twoWords.items.map((e) => e.title),
      "the hub's ranking order",
    );

    await page.getByRole("searchbox", { name: "Search the catalogue" }).fill("ransomware");
    await waitForTotal(page, oneWord.total);
    const facet = page.locator(`fieldset[data-facet="kind"]`);
    const option = facet.locator("label").filter({ has: page.locator(`input[value="${kind}"]`) });
    assert.equal((await option.locator(".facet-count").innerText()).trim(), String(kindCount));
    await option.locator("input").check();
    await waitForTotal(page, faceted.total);
    assert.match(page.url(), new RegExp(`[?&]kind=${kind}`));
    const ids = await results(page).evaluateAll((els) => els.map((e) => Number(e.dataset.entryId)));
    assert.deepEqual(
      ids.sort((a, b) => a - b),
      faceted.items.map((e) => e.id).sort((a, b) => a - b),
    );

    await option.locator("input").uncheck();
    await waitForTotal(page, oneWord.total);

    const first = oneWord.items[0];
    await results(page).first().getByRole("link", { name: first.title }).click();
    await page.getByRole("heading", { level: 1, name: first.title }).waitFor();
    assert.match(page.url(), new RegExp(`/catalogue/${first.id}$`));
  });
});

test("a curator adds an entry through the form, finds it by its words, edits and deletes it", async (t) => {
  const curator = demoNamed("be.admin");
  const session = await apiLogin(curator.username, curator.password);
  const marker = uniqueName("zebrafinch").replace(/-/g, "");
  const title = `Tabletop exercise on ransomware for Belgian clinics ${marker}`;

  await withPage(t, async (page) => {
    await login(page, curator.username, curator.password, { path: "/catalogue" });
    await page.getByRole("link", { name: "Add an entry" }).click();
    await page.getByRole("heading", { level: 1, name: "Add a catalogue entry" }).waitFor();
    assert.equal(
      await page.getByLabel("Belgium (BE)").isChecked(),
      true,
      "an authority's entries are for its own country",
    );
    await page.getByLabel("Title", { exact: true }).fill(title);
    await page.getByLabel("Kind", { exact: true }).selectOption("training");
    await page.getByLabel("Cost", { exact: true }).selectOption("subsidised");
    await page.getByLabel("Offered by", { exact: true }).fill("Belgian Health CSIRT");
    await page.getByLabel("Web address", { exact: true }).fill("https://example.org/tabletop");
    await page.getByLabel("Summary", { exact: true }).fill(`A half-day guided exercise ${marker}.`);
    await page.getByLabel("Languages", { exact: true }).fill("nl, fr");
    await page.getByLabel("(b) Incident handling").check();
    await page.getByLabel("Ransomware", { exact: true }).check();
    await page.getByRole("button", { name: "Add a link" }).click();
    await page.getByLabel("Link 1 title", { exact: true }).fill("Scenario booklet");
    await page
      .getByLabel("Link 1 address", { exact: true })
      .fill("https://example.org/booklet.pdf");
    await page.getByRole("button", { name: "Add entry" }).click();

    await page.getByRole("heading", { level: 1, name: title }).waitFor();
    const id = Number(/\/catalogue\/(\d+)$/.exec(page.url())[1]);
    const stored = expectStatus(await session.call("GET", `/api/v1/catalogue/${id}`), 200, "entry");
    assert.equal(stored.kind, "training");
    assert.equal(stored.cost, "subsidised");
    assert.deepEqual(stored.countries, ["BE"]);
    assert.deepEqual([...stored.languages].sort(), ["fr", "nl"]);
    assert.deepEqual(stored.nis2_measures, ["b"]);
    assert.deepEqual(stored.threats, ["ransomware"]);
    assert.deepEqual(stored.links, [
      { title: "Scenario booklet", url: "https://example.org/booklet.pdf" },
    ]);

    await page.goto(`/catalogue?q=${marker}`);
    await waitForTotal(page, 1);
    assert.equal(await results(page).first().getAttribute("data-entry-id"), String(id));

    await page.goto(`/catalogue/${id}`);
    await page.getByRole("link", { name: "Edit", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Edit catalogue entry" }).waitFor();
    await page.getByLabel("Summary", { exact: true }).fill(`Now a full-day exercise ${marker}.`);
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("heading", { level: 1, name: title }).waitFor();
    await page.getByText(`Now a full-day exercise ${marker}.`).waitFor();

    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Catalogue" }).waitFor();
    assert.equal((await session.call("GET", `/api/v1/catalogue/${id}`)).status, 404);
  });
});

test("an authority curating another country's entry sees the hub's refusal", async (t) => {
  const curator = demoNamed("be.admin");
  const session = await apiLogin(curator.username, curator.password);
  const title = `Dutch voucher scheme ${uniqueName("x")}`;
  const refused = await session.call("POST", "/api/v1/catalogue", {
    kind: "funding",
    title,
    url: "https://example.org/voucher",
    countries: ["NL"],
    languages: ["nl"],
    cost: "free",
  });
  assert.equal(refused.status, 403, "the hub refuses a Belgian authority a Dutch entry");

  await withPage(t, async (page) => {
    await login(page, curator.username, curator.password, { path: "/catalogue/new" });
    await page.getByLabel("Title", { exact: true }).fill(title);
    await page.getByLabel("Kind", { exact: true }).selectOption("funding");
    await page.getByLabel("Web address", { exact: true }).fill("https://example.org/voucher");
    await page.getByLabel("Belgium (BE)").uncheck();
    await page.getByLabel("Netherlands (NL)").check();
    await page.getByRole("button", { name: "Add entry" }).click();
    const problem = page.locator('[role="alert"] [data-problem]');
    await problem.waitFor();
    assert.equal(await problem.getAttribute("data-problem"), "forbidden");
    if (refused.body?.detail) {
      assert.match(
        await problem.innerText(),
        new RegExp(escapeRegExp(refused.body.detail.replace(/\.$/, "").slice(1)), "i"),
      );
    }
    assert.match(page.url(), /\/catalogue\/new$/);
  });
  const found = await search(session, `q=${encodeURIComponent(title)}`);
  assert.equal(found.total, 0, "nothing was stored");
});

test("a provider has no curator form, and the hub refuses it one", async (t) => {
  const user = demoNamed("h1.admin");
  const session = await apiLogin(user.username, user.password);
  const attempt = await session.call("POST", "/api/v1/catalogue", {
    kind: "tool",
    title: "Provider-made entry",
    url: "https://example.org/provider",
    languages: ["en"],
    cost: "free",
  });
  assert.equal(attempt.status, 403);
  const some = (await search(session, "limit=1")).items[0];

  await withPage(t, async (page) => {
    await login(page, user.username, user.password, { path: "/catalogue" });
    await results(page).first().waitFor();
    assert.equal(await page.getByRole("link", { name: "Add an entry" }).count(), 0);

    await page.goto(`/catalogue/${some.id}`);
    await page.getByRole("heading", { level: 1, name: some.title }).waitFor();
    assert.equal(await page.getByRole("link", { name: "Edit", exact: true }).count(), 0);
    assert.equal(await page.getByRole("button", { name: "Delete" }).count(), 0);

    await page.goto("/catalogue/new");
    await page.getByText("Only curators change the catalogue").waitFor();
    assert.equal(await page.locator("main form").count(), 0);
    assert.equal(await page.getByRole("button", { name: "Add entry" }).count(), 0);
  });
});

test("a provider's recommendations are the hub's ranked entries, each with its reasons", async (t) => {
  const user = demoNamed("h1.admin");
  const session = await apiLogin(user.username, user.password);
  const recs = expectStatus(
    await session.call("GET", "/api/v1/recommendations"),
    200,
    "recommendations",
  );
  assert.ok(recs.items.length > 0, "h1 gets recommendations");

  await withPage(t, async (page) => {
    await login(page, user.username, user.password);
    await openFromNav(page, "Recommendations");
    const items = page.locator("ol.rec-list > li.rec");
    await items.first().waitFor();
    assert.deepEqual(
      await items.evaluateAll((els) => els.map((e) => Number(e.dataset.entryId))),
      recs.items.map((r) => r.entry.id),
    );
    for (const [i, r] of recs.items.entries()) {
      const text = await items.nth(i).innerText();
      assert.match(text, new RegExp(escapeRegExp(r.entry.title)));
      for (const reason of r.reasons) assert.match(text, new RegExp(escapeRegExp(reason)));
    }
    if (recs.based_on) {
      assert.match(
        await page.getByTestId("based-on").innerText(),
        new RegExp(`${recs.based_on.cycle} assessment`),
      );
    }
  });
});
