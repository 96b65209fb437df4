// The index dashboard: bars per group with the interquartile range taken from the hub, groups of
// fewer than five providers drawn as hidden (never as 0), the distribution of one group, trend
// lines over cycles, the CSV export and the progress report for authorities.

import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";

import {
  apiLogin,
  demoNamed,
  escapeRegExp,
  expectStatus,
  login,
  openFromNav,
  useBrowserForFile,
  withPage,
} from "./helpers.mjs";

useBrowserForFile();

const kByLabels = {
  country: "Member State",
  provider_type: "Provider type",
  size_band: "Size band",
  eu: "EU-wide",
};

async function index(session, by) {
  return expectStatus(await session.call("GET", `/api/v1/index?by=${by}`), 200, `index by ${by}`);
}

const bar = (page, key) => page.getByTestId("index-bars").locator(`g.chart-bar[data-key="${key}"]`);

test("the index shows Belgium's mean and interquartile range, and a group of fewer than five providers as hidden", async (t) => {
  const user = demoNamed("be.admin");
  const session = await apiLogin(user.username, user.password);
  const byCountry = await index(session, "country");
  const be = byCountry.groups.find((g) => g.key === "BE");
  assert.ok(be && !be.suppressed, "the demo data has at least five Belgian providers assessed");

  let small = null;
  for (const by of ["country", "provider_type", "size_band"]) {
    const result = await index(session, by);
    const hidden = result.groups.find((g) => g.suppressed);
    if (hidden) {
      small = { by, group: hidden, result };
      break;
    }
  }
  assert.ok(small, "the demo data has a group of fewer than five providers");
  const hiddenText = `fewer than ${small.result.k_min} providers — hidden`;

  await withPage(t, async (page) => {
    await login(page, user.username, user.password);
    await openFromNav(page, "Index");
    await bar(page, "BE").waitFor();
    assert.equal(
      await page.getByTestId("index-bars").locator("g.chart-bar").count(),
      byCountry.groups.length,
    );
    assert.equal(await bar(page, "BE").getAttribute("data-suppressed"), "false");
    assert.equal(await bar(page, "BE").getAttribute("data-value"), be.mean.toFixed(1));
    const title = await bar(page, "BE").locator("title").textContent();
    assert.match(title, new RegExp(`${be.p25.toFixed(1)}–${be.p75.toFixed(1)}`));
    assert.match(title, new RegExp(`n = ${be.n}\\b`));
    assert.equal(await bar(page, "BE").locator("rect.chart-bar-rect").count(), 1);

    const byRadio = page.getByLabel(kByLabels[small.by], { exact: true });
    await byRadio.check();
    const hidden = bar(page, small.group.key);
    await hidden.waitFor();
    assert.equal(await byRadio.isChecked(), true);
    assert.equal(await hidden.getAttribute("data-suppressed"), "true");
    assert.equal(await hidden.getAttribute("data-value"), "");
    assert.equal(await hidden.locator("rect").count(), 0, "no bar, not even one of length 0");
    assert.match(await hidden.locator("text.chart-value").textContent(), new RegExp(hiddenText));
    assert.doesNotMatch(await hidden.locator("text.chart-value").textContent(), /\d\.\d/);

    await page.getByLabel("Group", { exact: true }).selectOption(small.group.key);
    await page.getByTestId("group-suppressed").waitFor();
    assert.equal(await page.getByTestId("index-histogram").count(), 0);
    assert.equal(await page.getByTestId("group-stats").count(), 0);
  });
});

test("the distribution of a group adds up to its providers and the trend lines follow the hub's series", async (t) => {
  const user = demoNamed("be.analyst");
  const session = await apiLogin(user.username, user.password);
  const be = (await index(session, "country")).groups.find((g) => g.key === "BE");
  assert.ok(be && !be.suppressed);
  const trend = expectStatus(
    await session.call("GET", "/api/v1/index/trend?by=country"),
    200,
    "the trend",
  );
  assert.ok(trend.series.length > 0, "the demo data has assessments over several cycles");

  await withPage(t, async (page) => {
    await login(page, user.username, user.password, { path: "/index?by=country&group=BE" });
    const histogram = page.getByTestId("index-histogram");
    await histogram.waitFor();
    const bins = histogram.locator("g.chart-bin");
    assert.equal(await bins.count(), be.histogram.length);
    const counts = (await bins.evaluateAll((els) => els.map((e) => e.dataset.count))).map(Number);
    assert.deepEqual(counts, be.histogram);
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      be.n,
      "every provider falls in one bucket",
    );
    const stats = await page.getByTestId("group-stats").innerText();
    assert.match(stats, new RegExp(escapeRegExp(be.median.toFixed(1))));

    const chart = page.getByTestId("index-trend");
    await chart.waitFor();
    assert.equal(await chart.locator("g.chart-series").count(), trend.series.length);
    for (const s of trend.series) {
      const line = chart.locator(`g.chart-series[data-series="${s.key}"]`);
      for (const p of s.points) {
        const point = line.locator(`g.chart-point[data-x="${p.cycle}"]`);
        if (p.suppressed) {
          assert.equal(await point.getAttribute("data-y"), "");
          assert.match(await point.getAttribute("data-missing"), /fewer than \d+ providers/);
        } else {
          assert.equal(await point.getAttribute("data-y"), p.mean.toFixed(1));
        }
      }
    }
  });
});

test("the export downloads the authority's rows as CSV and the progress report opens in a new tab", async (t) => {
  const user = demoNamed("be.admin");
  const session = await apiLogin(user.username, user.password);
  const { cycle } = await index(session, "country");

  await withPage(t, async (page) => {
    await login(page, user.username, user.password, { path: "/index" });
    const exportLink = page.getByRole("link", { name: "Export (CSV)" });
    await exportLink.waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), exportLink.click()]);
    const lines = fs
      .readFileSync(await download.path(), "utf8")
      .split(/\r?\n/)
      .filter(Boolean);
    const header = lines[0].split(",");
    assert.equal(header[0], "organisation_id");
    const country = header.indexOf("country");
    const cycleColumn = header.indexOf("cycle");
    assert.ok(lines.length > 1, "the authority's providers are exported");
    for (const line of lines.slice(1)) {
      const cells = line.split(",");
      assert.equal(cells[country], "BE", "an authority exports only its own providers");
      assert.equal(cells[cycleColumn], String(cycle));
    }

    const report = page.getByRole("link", { name: /Progress report/ });
    assert.equal(await report.getAttribute("target"), "_blank");
    const [popup] = await Promise.all([page.waitForEvent("popup"), report.click()]);
    await popup.waitForLoadState();
    assert.match(popup.url(), new RegExp(`/api/v1/reports/progress\\?cycle=${cycle}$`));
    assert.equal(
      await popup.evaluate(() => document.contentType),
      "text/html",
      "the report, not a problem document",
    );
  });
});

test("a provider sees the index and the export but no progress report", async (t) => {
  const user = demoNamed("h1.admin");
  await withPage(t, async (page) => {
    await login(page, user.username, user.password, { path: "/index" });
    await page.getByTestId("index-bars").waitFor();
    assert.equal(await page.getByRole("link", { name: "Export (CSV)" }).count(), 1);
    assert.equal(await page.getByRole("link", { name: /Progress report/ }).count(), 0);
  });
});
