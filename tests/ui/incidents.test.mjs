// NIS2 incident reporting in the browser: a hospital reports an incident with its early warning
// and sees the 24 h / 72 h clocks; deadlines due soon become reminders; the hub's validation
// problems are shown on the field they name; the Belgian CSIRT acknowledges the incident and
// requests information, which the provider sees and answers; the Dutch CSIRT never sees it (the
// hub refuses it too); a rapid-response request reaches the support centre; statistics show
// groups of fewer than five providers as hidden, never as 0.

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

const kHour = 3_600_000;
const kEarlyWarning = {
  summary: "Radiology PACS unreachable; files renamed with an unknown extension.",
  suspected_malicious: "yes",
  cross_border: "no",
  severe_disruption_or_loss: "yes",
  considerable_damage_to_others: "unknown",
};

/** Opens an incident of h1 through the API, `hoursAgo` after awareness, optionally warned. */
async function openIncident(
  hoursAgo,
  { earlyWarning = true, title = uniqueName("Incident") } = {},
) {
  const user = demoNamed("h1.admin");
  const session = await apiLogin(user.username, user.password);
  const created = expectStatus(
    await session.call("POST", "/api/v1/incidents", {
      title,
      aware_at: new Date(Date.now() - hoursAgo * kHour).toISOString(),
    }),
    201,
    "opening an incident",
  );
  if (earlyWarning) {
    expectStatus(
      await session.call("POST", `/api/v1/incidents/${created.id}/reports`, {
        stage: "early_warning",
        fields: kEarlyWarning,
      }),
      201,
      "sending the early warning",
    );
  }
  return { session, incident: created };
}

async function readIncident(session, id) {
  return expectStatus(await session.call("GET", `/api/v1/incidents/${id}`), 200, "reading");
}

/** The value of an <input type="datetime-local"> for `ms` in the browser's time zone. */
function localInput(page, ms) {
  return page.evaluate((t) => {
    const d = new Date(t);
    const p = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  }, ms);
}

const clock = (page, stage) =>
  page.locator(`[data-testid="deadline-clock"][data-stage="${stage}"]`);

test("a hospital reporter sends an early warning and sees the 24 h and 72 h clocks", async (t) => {
  const user = demoNamed("h1.reporter");
  const title = uniqueName("Ransomware on radiology");
  await withPage(t, async (page) => {
    await login(page, user.username, user.password);
    await openFromNav(page, "Incidents");
    await page.getByRole("link", { name: "Report a new incident" }).click();
    await page.getByRole("heading", { level: 1, name: "Report an incident" }).waitFor();

    const awareMs = Math.floor((Date.now() - 2 * kHour) / 60_000) * 60_000;
    await page.getByLabel("Title").fill(title);
    await page.getByLabel("When did you become aware of it?").fill(await localInput(page, awareMs));
    await page.getByLabel("Summary").fill(kEarlyWarning.summary);
    const answer = async (question, label) =>
      page.getByRole("group", { name: question }).getByLabel(label, { exact: true }).check();
    await answer(/unlawful or malicious act/, "Yes");
    await answer(/cross-border impact/, "No");
    await answer(/severe disruption of your services/, "Yes");
    await answer(/others by causing considerable damage/, "Not known yet");
    await page.getByRole("button", { name: "Send the early warning" }).click();

    await page.waitForURL(/\/incidents\/\d+\?reported=early_warning$/);
    await page.getByText("The early warning was sent to Belgian Health CSIRT (demo).").waitFor();
    const id = Number(/\/incidents\/(\d+)/.exec(page.url())[1]);

    const session = await apiLogin(user.username, user.password);
    const stored = await readIncident(session, id);
    assert.equal(stored.title, title);
    assert.equal(Date.parse(stored.aware_at), awareMs);
    assert.equal(stored.authority_name, "Belgian Health CSIRT (demo)");
    assert.deepEqual(stored.reports.early_warning.latest.fields, kEarlyWarning);
    assert.equal(stored.reports.early_warning.latest.submitted_by, user.username);

    await page
      .getByRole("heading", { level: 1, name: new RegExp(escapeRegExp(stored.reference)) })
      .waitFor();
    const early = clock(page, "early_warning");
    const notification = clock(page, "notification");
    await early.waitFor();
    assert.equal(await early.getAttribute("data-state"), "met");
    assert.equal(Date.parse(await early.getAttribute("data-due-at")), awareMs + 24 * kHour);
    assert.match(await early.innerText(), /Submitted in time/);
    assert.equal(await notification.getAttribute("data-state"), "pending");
    assert.equal(Date.parse(await notification.getAttribute("data-due-at")), awareMs + 72 * kHour);
    // About 70 hours are left: "2 d 21 h left" or "2 d 22 h left".
    assert.match(await notification.locator(".clock-time").innerText(), /^2 d 2[12] h left$/);
    const api = stored.deadlines.find((d) => d.stage === "notification");
    assert.equal(api.state, "pending");

    // The report goes into the timeline, and the next step is the notification.
    const events = page.locator('[data-testid="timeline-event"]');
    assert.deepEqual(
      await events.evaluateAll((els) => els.map((e) => e.dataset.kind)),
      stored.timeline.map((e) => e.kind),
    );
    await page.getByRole("link", { name: "Write the incident notification" }).waitFor();

    // "Print" opens the hub's printable report of this incident.
    const print = page.getByRole("link", { name: /^Print/ });
    assert.equal(await print.getAttribute("href"), `/api/v1/incidents/${id}/report`);
    const printed = await page.request.get(`/api/v1/incidents/${id}/report`);
    assert.equal(printed.status(), 200);
    assert.match(printed.headers()["content-type"], /^text\/html/);
    assert.match(await printed.text(), new RegExp(escapeRegExp(stored.reference)));
  });
});

test("a deadline due soon is a reminder on the incidents list and the overview", async (t) => {
  // Aware 20 hours ago and no early warning yet: 4 hours are left of 24, less than 6.
  const { incident } = await openIncident(20, { earlyWarning: false });
  const user = demoNamed("h1.reporter");
  await withPage(t, async (page) => {
    await login(page, user.username, user.password);
    const onOverview = page.locator(
      `[data-testid="reminder"][data-incident-id="${incident.id}"][data-stage="early_warning"]`,
    );
    await onOverview.waitFor();
    assert.equal(await onOverview.getAttribute("data-state"), "due_soon");
    assert.match(await onOverview.innerText(), new RegExp(escapeRegExp(incident.reference)));

    await openFromNav(page, "Incidents");
    const reminder = page.locator(
      `[data-testid="reminder"][data-incident-id="${incident.id}"][data-stage="early_warning"]`,
    );
    await reminder.waitFor();
    const row = page.locator(`tr[data-incident-id="${incident.id}"]`);
    assert.match(await row.getByTestId("waiting").innerText(), /Early warning: due soon/);

    await reminder.getByRole("link", { name: /^Submit/ }).click();
    await page.getByRole("heading", { level: 1, name: /^Early warning:/ }).waitFor();
    const deadline = page.getByTestId("stage-deadline");
    assert.equal(await deadline.getAttribute("data-state"), "due_soon");
    assert.match(await deadline.innerText(), /\b[34] h( \d+ min)? left\b/);

    await page.goto(`/incidents/${incident.id}`);
    const early = clock(page, "early_warning");
    await early.waitFor();
    assert.equal(await early.getAttribute("data-state"), "due_soon");
    assert.equal(await clock(page, "notification").getAttribute("data-state"), "pending");
  });
});

test("the hub's validation problem is shown on the indicator it names", async (t) => {
  const { session, incident } = await openIncident(5);
  const user = demoNamed("h1.reporter");
  await withPage(t, async (page) => {
    await login(page, user.username, user.password);
    await page.goto(`/incidents/${incident.id}/reports/notification`);
    await page.getByRole("heading", { level: 1, name: /^Incident notification:/ }).waitFor();
    await page.getByLabel("Initial assessment").fill("Encryption of the PACS file shares.");
    await page.getByLabel("Type of incident").selectOption("ransomware");
    await page.getByLabel("Severity").selectOption("high");
    await page.getByLabel("Impact", { exact: true }).fill("Imaging unavailable.");
    await page.getByLabel("People whose health data was affected").selectOption("unknown");
    await page.getByRole("button", { name: "Add an indicator" }).click();
    await page.getByLabel("Indicator 1 type").selectOption("ipv4");
    await page.getByLabel("Indicator 1 value").fill("999.10.1.1");
    await page.getByRole("button", { name: "Send the incident notification" }).click();

    const alert = page.locator('[role="alert"] [data-problem="invalid-input"]');
    await alert.waitFor();
    assert.equal(await page.getByLabel("Indicator 1 value").getAttribute("aria-invalid"), "true");
    assert.equal(await page.getByLabel("Initial assessment").getAttribute("aria-invalid"), null);
    const stored = await readIncident(session, incident.id);
    assert.equal(stored.reports.notification, undefined, "nothing was stored");

    await page.getByLabel("Indicator 1 value").fill("203.0.113.7");
    await page.getByRole("button", { name: "Send the incident notification" }).click();
    await page.waitForURL(new RegExp(`/incidents/${incident.id}\\?reported=notification$`));
    const after = await readIncident(session, incident.id);
    assert.deepEqual(after.reports.notification.latest.fields.iocs, [
      { type: "ipv4", value: "203.0.113.7" },
    ]);
    await clock(page, "notification").waitFor();
    assert.equal(await clock(page, "notification").getAttribute("data-state"), "met");
  });
});

test("the Belgian CSIRT acknowledges and requests information, and the provider answers it on the timeline", async (t) => {
  const { session, incident } = await openIncident(3);
  const question = `Which backup copies are unaffected? (${uniqueName("q")})`;
  const csirt = demoNamed("be.analyst");

  await withPage(t, async (page) => {
    await login(page, csirt.username, csirt.password);
    await openFromNav(page, "Incident inbox");
    const row = page.locator(`tr[data-incident-id="${incident.id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Sint-Demo University Hospital/);
    assert.match(await row.getByTestId("waiting").innerText(), /Not acknowledged/);
    await row.getByRole("link", { name: /^Open/ }).click();
    await page
      .getByRole("heading", { level: 1, name: new RegExp(escapeRegExp(incident.reference)) })
      .waitFor();

    await page.getByRole("button", { name: "Acknowledge receipt" }).click();
    await page.getByTestId("acknowledged").waitFor();

    const form = page.locator("form", {
      has: page.getByRole("heading", { name: "Request information" }),
    });
    await form.getByLabel("Question").fill(question);
    await form.getByRole("button", { name: "Send the request" }).click();
    await page.getByText("The request was sent to the provider.").waitFor();

    const stored = await readIncident(session, incident.id);
    assert.ok(stored.acknowledged_at, "acknowledged");
    assert.equal(stored.requests.length, 1);
    assert.equal(stored.requests[0].question, question);
    assert.equal(stored.requests[0].asked_by, csirt.username);
  });

  const provider = demoNamed("h1.reporter");
  await withPage(t, async (page) => {
    await login(page, provider.username, provider.password);
    await page.goto(`/incidents/${incident.id}`);
    const ack = page.locator('[data-testid="timeline-event"][data-kind="acknowledged"]');
    await ack.waitFor();
    assert.match(await ack.innerText(), new RegExp(csirt.username));
    const asked = page.locator('[data-testid="timeline-event"][data-kind="information_requested"]');
    assert.match(await asked.innerText(), new RegExp(escapeRegExp(question)));
    const request = page.locator('[data-testid="information-request"]');
    assert.equal(await request.getAttribute("data-answered"), "false");
    assert.ok(
      (await clock(page, "intermediate").count()) === 1,
      "the request has its own deadline clock",
    );

    await request.getByRole("link", { name: /^Answer/ }).click();
    await page.getByRole("heading", { level: 1, name: /^Intermediate report:/ }).waitFor();
    assert.match(
      await page.getByTestId("answered-question").innerText(),
      new RegExp(escapeRegExp(question)),
    );
    await page.getByLabel("Your answer").fill("The offline tape copies of Sunday are unaffected.");
    await page.getByRole("button", { name: "Send the intermediate report" }).click();
    await page.waitForURL(new RegExp(`/incidents/${incident.id}\\?reported=intermediate$`));
    await page.locator('[data-testid="information-request"][data-answered="true"]').waitFor();
    const answered = await readIncident(session, incident.id);
    assert.ok(answered.requests[0].answered_at, "the request is answered");
    assert.equal(
      answered.reports.intermediate.latest.fields.answers_request_id,
      answered.requests[0].id,
    );
    assert.equal(await clock(page, "intermediate").getAttribute("data-state"), "met");
  });
});

test("the Dutch CSIRT does not see a Belgian incident, and the hub refuses it too", async (t) => {
  const { incident } = await openIncident(1);
  const dutch = demoNamed("nl.analyst");
  const session = await apiLogin(dutch.username, dutch.password);
  const direct = await session.call("GET", `/api/v1/incidents/${incident.id}`);
  assert.equal(direct.status, 404);
  const list = expectStatus(await session.call("GET", "/api/v1/incidents?limit=200"), 200, "list");
  assert.ok(!list.items.some((i) => i.id === incident.id), "not in the Dutch list");
  const act = await session.call("POST", `/api/v1/incidents/${incident.id}/actions`, {
    type: "acknowledge",
  });
  assert.equal(act.status, 404);

  const own = list.items.find((i) => i.status === "open");
  assert.ok(own, "the demo data routes an open incident to the Dutch CSIRT");
  assert.equal(own.country, "NL");

  await withPage(t, async (page) => {
    await login(page, dutch.username, dutch.password);
    await openFromNav(page, "Incident inbox");
    await page.locator(`tr[data-incident-id="${own.id}"]`).waitFor();
    assert.equal(await page.locator(`tr[data-incident-id="${incident.id}"]`).count(), 0);
    await page.goto(`/incidents/${incident.id}`);
    const problem = page.locator('[role="alert"] [data-problem]');
    await problem.waitFor();
    assert.equal(await problem.getAttribute("data-problem"), "not-found");
    assert.equal(await page.getByRole("button", { name: "Acknowledge receipt" }).count(), 0);
  });
});

test("a rapid-response request shares the incident with the support centre's inbox", async (t) => {
  const { session, incident } = await openIncident(6);
  const provider = demoNamed("h1.admin");
  await withPage(t, async (page) => {
    await login(page, provider.username, provider.password);
    await page.goto(`/incidents/${incident.id}`);
    await page.getByText("Request EU rapid response", { exact: true }).click();
    await page
      .getByLabel("Impact", { exact: true })
      .fill("All imaging and the laboratory are down.");
    await page.getByLabel("Support wanted").fill("Forensic analysis and restoring the domain.");
    await page.getByLabel("Mitigation taken").fill("Network segments isolated; backups offline.");
    await page.getByRole("button", { name: "Send the request" }).click();
    await page.getByTestId("rapid-response").waitFor();
  });
  const stored = await readIncident(session, incident.id);
  assert.equal(stored.shared_with_support_centre, true);
  assert.equal(stored.rapid_responses.length, 1);

  const centre = demoNamed("eu.analyst");
  await withPage(t, async (page) => {
    await login(page, centre.username, centre.password);
    await openFromNav(page, "Incident inbox");
    const row = page.locator(`tr[data-incident-id="${incident.id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Rapid response requested/);
    await row.getByRole("link", { name: /^Open/ }).click();
    await page.getByTestId("rapid-response").waitFor();
    assert.match(
      await page.getByTestId("rapid-response").innerText(),
      /Forensic analysis and restoring the domain\./,
    );
    // The support centre assists: it may write guidance, but has none of the CSIRT's actions.
    assert.equal(await page.getByRole("button", { name: "Acknowledge receipt" }).count(), 0);
    await page.getByLabel("Kind").selectOption("guidance");
    await page.getByLabel("Guidance", { exact: true }).fill("Our team can join a call at 14:00.");
    await page.getByRole("button", { name: "Add guidance" }).click();
    await page.locator('[data-testid="timeline-event"][data-kind="guidance"]').waitFor();
  });
});

test("statistics show groups of fewer than five providers as hidden, never as 0", async (t) => {
  const user = demoNamed("be.admin");
  const session = await apiLogin(user.username, user.password);
  const stats = expectStatus(
    await session.call("GET", "/api/v1/incidents/statistics"),
    200,
    "statistics",
  );
  const hidden = `fewer than ${stats.k_min} providers — hidden`;
  assert.ok(
    stats.by_type.some((g) => g.suppressed),
    "some incident type covers fewer than five providers",
  );

  await withPage(t, async (page) => {
    await login(page, user.username, user.password);
    await openFromNav(page, "Incident statistics");
    const chart = page.getByTestId("stats-by-type");
    await chart.locator("g.chart-bar").first().waitFor();
    assert.equal(await chart.locator("g.chart-bar").count(), stats.by_type.length);
    for (const g of stats.by_type) {
      const bar = chart.locator(`g.chart-bar[data-key="${g.key}"]`);
      if (g.suppressed) {
        assert.equal(await bar.getAttribute("data-suppressed"), "true", g.key);
        assert.equal(await bar.getAttribute("data-value"), "", g.key);
        assert.equal(
          await bar.locator("rect").count(),
          0,
          `${g.key}: no bar, not even of length 0`,
        );
        assert.equal(await bar.locator("text.chart-value").textContent(), hidden);
      } else {
        assert.equal(await bar.getAttribute("data-value"), g.incidents.toFixed(1), g.key);
      }
    }
    const total = page.getByTestId("stats-total").locator(".stat").nth(2);
    if (stats.total.suppressed) {
      assert.equal(await total.getAttribute("data-suppressed"), "true");
      assert.match(await total.innerText(), new RegExp(hidden));
    } else {
      assert.match(await total.innerText(), new RegExp(`\\b${stats.total.incidents}\\b`));
    }

    const csv = page.getByRole("link", { name: "Export (CSV)" });
    assert.match(await csv.getAttribute("href"), /^\/api\/v1\/incidents\/statistics\?.*format=csv/);
    const json = page.getByRole("link", { name: "Export (JSON)" });
    assert.match(await json.getAttribute("href"), /format=json/);
    const exported = await page.request.get(await csv.getAttribute("href"));
    assert.equal(exported.status(), 200);
    const rows = (await exported.text()).trim().split(/\r\n/);
    assert.equal(rows[0], "dimension,key,label,incidents,suppressed");
    const suppressedKey = stats.by_type.find((g) => g.suppressed).key;
    const line = rows.find((r) => r.startsWith(`type,${suppressedKey},`));
    assert.ok(line, `a CSV row for ${suppressedKey}`);
    assert.match(line, /,,true$/, "a suppressed row has no count");
  });
});

test("the support centre's EU statistics draw each Member State's count or hide it", async (t) => {
  const user = demoNamed("eu.admin");
  const session = await apiLogin(user.username, user.password);
  const stats = expectStatus(
    await session.call("GET", "/api/v1/incidents/statistics"),
    200,
    "statistics",
  );
  const hidden = `fewer than ${stats.k_min} providers — hidden`;
  const shown = stats.by_country.filter((g) => !g.suppressed);
  assert.ok(shown.length > 0, "the demo data has a Member State with five providers reporting");
  assert.ok(
    stats.by_country.some((g) => g.suppressed),
    "and one with fewer",
  );

  await withPage(t, async (page) => {
    await login(page, user.username, user.password);
    await openFromNav(page, "Incident statistics");
    const chart = page.getByTestId("stats-by-country");
    await chart.locator("g.chart-bar").first().waitFor();
    for (const g of stats.by_country) {
      const bar = chart.locator(`g.chart-bar[data-key="${g.key}"]`);
      if (g.suppressed) {
        assert.equal(await bar.getAttribute("data-suppressed"), "true", g.key);
        assert.equal(await bar.locator("rect").count(), 0, g.key);
        assert.equal(await bar.locator("text.chart-value").textContent(), hidden);
      } else {
        assert.equal(await bar.getAttribute("data-suppressed"), "false", g.key);
        assert.equal(await bar.getAttribute("data-value"), g.incidents.toFixed(1), g.key);
        assert.equal(await bar.locator("rect.chart-bar-rect").count(), 1, g.key);
        assert.match(
          await bar.locator("text.chart-value").textContent(),
          new RegExp(`^${g.incidents}`),
        );
      }
    }
    const care = page.getByTestId("stats-care");
    for (const g of Object.values(stats.care_impact)) {
      const bar = care.locator(`g.chart-bar[data-key="${g.key}"]`);
      assert.equal(await bar.getAttribute("data-suppressed"), String(g.suppressed), g.key);
    }
    assert.match(
      await page.getByTestId("stats-total").innerText(),
      new RegExp(`European Union[\\s\\S]*\\b${stats.total.incidents}\\b`),
    );
  });
});
