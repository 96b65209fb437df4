// Self-assessment: the wizard saves answers as you go, the hub's facts are offered as
// suggestions, evidence files go up and come back byte for byte, scores are drawn from the hub's
// numbers, viewers read only, and the review cycle: the provider submits, the authority returns
// it with a comment the provider then sees, and after resubmission accepts it.
// The tests work on the demo provider h1's open assessment and run in this order.

import assert from "node:assert/strict";
import crypto from "node:crypto";
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

const provider = () => demoNamed("h1.admin");

/** h1's open (draft or returned) assessment with its framework, as the hub has them now. */
async function openAssessment() {
  const user = provider();
  const session = await apiLogin(user.username, user.password);
  const org = session.me.organisation;
  const list = expectStatus(
    await session.call("GET", `/api/v1/assessments?organisation_id=${org.id}`),
    200,
    "listing h1's assessments",
  );
  const open = list.items
    .filter((a) => a.status === "draft" || a.status === "returned")
    .sort((a, b) => b.cycle - a.cycle)[0];
  assert.ok(open, "the demo data gives h1 an open (draft) assessment");
  const assessment = expectStatus(
    await session.call("GET", `/api/v1/assessments/${open.id}`),
    200,
    "reading the assessment",
  );
  const framework = expectStatus(
    await session.call(
      "GET",
      `/api/v1/frameworks/${assessment.framework_id}/${assessment.framework_version}`,
    ),
    200,
    "reading the framework",
  );
  return { session, org, assessment, framework };
}

async function readAssessment(session, id) {
  return expectStatus(await session.call("GET", `/api/v1/assessments/${id}`), 200, "reading");
}

/** The framework's questions that apply to `org`, each with its domain id. */
function applicableQuestions(framework, org) {
  const out = [];
  for (const d of framework.domains) {
    for (const c of d.controls) {
      for (const q of c.questions) {
        const a = q.applies_to;
        if (a?.provider_types && !a.provider_types.includes(org.provider_type)) continue;
        if (a?.size_bands && !a.size_bands.includes(org.size_band)) continue;
        out.push({ ...q, domain: d.id });
      }
    }
  }
  return out;
}

function isoDaysAgo(days) {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

const saved = (page) => page.locator('[data-testid="save-state"][data-state="saved"]').waitFor();
const question = (page, id) => page.locator(`fieldset[data-question-id="${id}"]`);

test("a provider's answers are saved as they are given and a reload shows them", async (t) => {
  const { session, org, assessment, framework } = await openAssessment();
  const questions = applicableQuestions(framework, org);
  const choice = questions.find((q) => q.type === "choice");
  const numeric = questions.find((q) => q.type === "numeric");
  const date = questions.find((q) => q.type === "date");
  assert.ok(choice && numeric && date, "the framework has choice, numeric and date questions");
  const comment = `Checked with the CISO on ${isoDaysAgo(0)}.`;
  const day = isoDaysAgo(40);

  await withPage(t, async (page) => {
    const user = provider();
    await login(page, user.username, user.password);
    const nav = page.getByRole("navigation", { name: "Main" });
    assert.equal(await nav.getByRole("link", { name: "Reviews" }).count(), 0);
    assert.equal(await nav.getByRole("link", { name: "Recommendations" }).count(), 1);
    await openFromNav(page, "Assessment");
    const current = page.getByTestId("current-assessment");
    if (
      (await current.count()) > 0 &&
      (await current.getAttribute("data-id")) === `${assessment.id}`
    ) {
      await page.getByRole("link", { name: "Continue the assessment" }).click();
    } else {
      await page.goto(`/assessment/${assessment.id}`);
    }
    await page.getByRole("navigation", { name: "Assessment steps" }).waitFor();

    const steps = page.getByRole("navigation", { name: "Assessment steps" });
    await steps.locator(`button[data-domain="${choice.domain}"]`).click();
    const q1 = question(page, choice.id);
    await q1.getByLabel("Partly", { exact: true }).check();
    const details = q1.locator("details.question-comment");
    if (!(await details.evaluate((d) => d.open))) await details.locator("summary").click();
    await q1.getByLabel("Comment (optional)").fill(comment);
    await saved(page);

    await steps.locator(`button[data-domain="${numeric.domain}"]`).click();
    const q2 = question(page, numeric.id);
    await q2.getByLabel(/^Answer/).fill("12");
    await saved(page);

    await steps.locator(`button[data-domain="${date.domain}"]`).click();
    const q3 = question(page, date.id);
    await q3.getByLabel("Date", { exact: true }).fill(day);
    await saved(page);

    const stored = await readAssessment(session, assessment.id);
    assert.equal(stored.answers[choice.id]?.value, "partly");
    assert.equal(stored.answers[choice.id]?.comment, comment);
    assert.equal(stored.answers[numeric.id]?.value, 12);
    assert.equal(stored.answers[date.id]?.value, day);
    assert.equal(stored.answers[choice.id]?.updated_by, user.username);

    await page.reload();
    await steps.waitFor();
    assert.equal(await q3.getByLabel("Date", { exact: true }).inputValue(), day);
    await steps.locator(`button[data-domain="${choice.domain}"]`).click();
    assert.equal(await q1.getByLabel("Partly", { exact: true }).isChecked(), true);
    assert.equal(await q1.getByLabel("Yes", { exact: true }).isChecked(), false);
    assert.equal(await q1.getByLabel("Comment (optional)").inputValue(), comment);
    assert.equal(await q1.getAttribute("data-answered"), "true");
    await steps.locator(`button[data-domain="${numeric.domain}"]`).click();
    assert.equal(await q2.getByLabel(/^Answer/).inputValue(), "12");
  });
});

test("what the hub knows is shown next to its question and one click uses the suggestion", async (t) => {
  const { session, org, assessment, framework } = await openAssessment();
  const withFact = applicableQuestions(framework, org).find((q) =>
    assessment.facts.some((f) => f.question_id === q.id && f.suggested !== null),
  );
  assert.ok(withFact, "the hub contributes at least one fact (identity.mfa) to h1's assessment");
  const fact = assessment.facts.find((f) => f.question_id === withFact.id);
  expectStatus(
    await session.call("PUT", `/api/v1/assessments/${assessment.id}/answers`, {
      answers: { [withFact.id]: { value: null } },
    }),
    200,
    "clearing the answer",
  );

  await withPage(t, async (page) => {
    const user = provider();
    await login(page, user.username, user.password, {
      path: `/assessment/${assessment.id}?step=${withFact.domain}`,
    });
    const q = question(page, withFact.id);
    const note = q.getByTestId("fact");
    await note.waitFor();
    assert.match(await note.innerText(), /The hub knows:/);
    assert.match(await note.innerText(), new RegExp(escapeRegExp(fact.text)));
    await note.getByRole("button", { name: /Use suggestion/ }).click();
    await saved(page);
    const stored = await readAssessment(session, assessment.id);
    assert.equal(stored.answers[withFact.id]?.value, fact.suggested);
    await note.getByText("Your answer matches").waitFor();
    assert.equal(await note.getByRole("button", { name: /Use suggestion/ }).count(), 0);
  });
});

test("an evidence file is uploaded, downloaded byte for byte and removed; a mislabelled one is refused", async (t) => {
  const { session, org, assessment, framework } = await openAssessment();
  const target = applicableQuestions(framework, org).find((q) => q.type === "evidence");
  assert.ok(target, "the framework has an evidence question");
  const content = Buffer.from(
    `Information security policy approved by the board, ${Date.now()}.\n`,
  );
  const filename = `policy-approval-${Date.now()}.txt`;

  await withPage(t, async (page) => {
    const user = provider();
    await login(page, user.username, user.password, {
      path: `/assessment/${assessment.id}?step=${target.domain}`,
    });
    const q = question(page, target.id);
    await q.getByLabel("Attach evidence").setInputFiles({
      name: filename,
      mimeType: "text/plain",
      buffer: content,
    });
    const item = q.locator("li.evidence-item").filter({ hasText: filename });
    await item.waitFor();
    assert.equal(await q.getAttribute("data-answered"), "true", "a file answers the question");

    const stored = await readAssessment(session, assessment.id);
    const evidence = stored.evidence.find((e) => e.filename === filename);
    assert.ok(evidence, "the hub lists the file");
    assert.equal(evidence.question_id, target.id);
    assert.equal(evidence.size, content.length);
    assert.equal(evidence.sha256, crypto.createHash("sha256").update(content).digest("hex"));

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      item.getByRole("link", { name: filename }).click(),
    ]);
    assert.equal(download.suggestedFilename(), filename);
    assert.deepEqual(fs.readFileSync(await download.path()), content);

    await q.getByLabel("Attach evidence").setInputFiles({
      name: "scan.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from("this is plain text, not a PDF"),
    });
    const problem = q.locator('[role="alert"] [data-problem]');
    await problem.waitFor();
    assert.equal(await problem.getAttribute("data-problem"), "unsupported-media-type");
    assert.equal(await q.locator("li.evidence-item").filter({ hasText: "scan.pdf" }).count(), 0);

    await item.getByRole("button", { name: `Remove ${filename}` }).click();
    await item.getByRole("button", { name: "Remove", exact: true }).click();
    await item.waitFor({ state: "detached" });
    const after = await readAssessment(session, assessment.id);
    assert.equal(
      after.evidence.some((e) => e.filename === filename),
      false,
    );
  });
});

test("the score view draws the hub's overall and domain scores and the progress over cycles", async (t) => {
  const { session, org, assessment } = await openAssessment();
  const history = expectStatus(
    await session.call("GET", `/api/v1/organisations/${org.id}/scores`),
    200,
    "reading the score history",
  );

  await withPage(t, async (page) => {
    const user = provider();
    await login(page, user.username, user.password, {
      path: `/assessment/${assessment.id}`,
    });
    await page
      .getByRole("navigation", { name: "Assessment views" })
      .getByRole("link", { name: "Scores" })
      .click();
    const overall = page.getByTestId("overall-score");
    await overall.waitFor();
    const scores = (await readAssessment(session, assessment.id)).scores;
    assert.equal(
      (await overall.innerText()).trim(),
      scores.overall === null ? "—" : scores.overall.toFixed(1),
    );
    const bars = page.getByTestId("domain-scores").locator("g.chart-bar");
    assert.equal(await bars.count(), scores.domains.length);
    for (const d of scores.domains) {
      const bar = page.getByTestId("domain-scores").locator(`g.chart-bar[data-key="${d.id}"]`);
      assert.equal(
        await bar.getAttribute("data-value"),
        d.score === null ? "" : d.score.toFixed(1),
      );
      assert.match(await bar.locator("title").textContent(), new RegExp(escapeRegExp(d.title)));
    }

    if (history.items.length === 0) {
      await page.getByText("No assessment has been submitted yet").waitFor();
    } else {
      const chart = page.getByTestId("score-history");
      await chart.waitFor();
      const points = chart.locator('g.chart-series[data-series="overall"] g.chart-point');
      assert.equal(await points.count(), history.items.length);
      for (const item of history.items) {
        const point = chart.locator(
          `g[data-series="overall"] g.chart-point[data-x="${item.cycle}"]`,
        );
        assert.equal(
          await point.getAttribute("data-y"),
          item.scores.overall === null ? "" : item.scores.overall.toFixed(1),
        );
      }
      await page.getByLabel("Show each domain").check();
      assert.ok((await chart.locator("g.chart-series").count()) > 1, "one line per domain too");
    }
  });
});

test("a viewer of the provider reads the assessment but cannot change it", async (t) => {
  const { assessment } = await openAssessment();
  const viewer = demoNamed("h1.viewer");
  await withPage(t, async (page) => {
    await login(page, viewer.username, viewer.password, { path: `/assessment/${assessment.id}` });
    const radios = page.locator("fieldset.question input[type=radio]");
    await radios.first().waitFor();
    assert.equal(await radios.first().isDisabled(), true);
    assert.equal(await page.getByTestId("save-state").count(), 0);
    assert.equal(await page.getByLabel("Attach evidence").count(), 0);
    await page.goto(`/assessment/${assessment.id}?step=submit`);
    await page.getByRole("heading", { name: "Summary" }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Submit for review" }).count(), 0);
  });
});

/** Answers every applicable question through the API so that the assessment can be submitted. */
async function answerEverything(session, org, assessment, framework) {
  const answers = {};
  for (const q of applicableQuestions(framework, org)) {
    const value =
      q.type === "choice"
        ? "yes"
        : q.type === "numeric"
          ? 1
          : q.type === "date"
            ? isoDaysAgo(10)
            : "not_applicable";
    answers[q.id] = { value };
  }
  expectStatus(
    await session.call("PUT", `/api/v1/assessments/${assessment.id}/answers`, { answers }),
    200,
    "answering every question",
  );
}

test("the provider submits; the authority returns it with a comment that the provider then sees", async (t) => {
  const { session, org, assessment, framework } = await openAssessment();
  await answerEverything(session, org, assessment, framework);
  const reviewer = demoNamed("be.admin");
  const comment = `Please attach the restore test report (${Date.now()}).`;

  await withPage(t, async (page) => {
    const user = provider();
    await login(page, user.username, user.password, {
      path: `/assessment/${assessment.id}?step=submit`,
    });
    await page.getByTestId("missing-none").waitFor();
    await page.getByRole("button", { name: "Submit for review" }).click();
    await page.getByRole("button", { name: "Submit", exact: true }).click();
    await page
      .locator('[data-testid="assessment-status"][data-status="submitted"]')
      .first()
      .waitFor();
    assert.equal((await readAssessment(session, assessment.id)).status, "submitted");

    await page.goto(`/assessment/${assessment.id}`);
    await page.getByText("Read only").waitFor();
    assert.equal(
      await page.locator("fieldset.question input[type=radio]").first().isDisabled(),
      true,
    );
  });

  await withPage(t, async (page) => {
    await login(page, reviewer.username, reviewer.password);
    const nav = page.getByRole("navigation", { name: "Main" });
    assert.equal(await nav.getByRole("link", { name: "Assessment" }).count(), 0);
    await openFromNav(page, "Reviews");
    const row = page.locator(`tr[data-assessment-id="${assessment.id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(escapeRegExp(org.name)));
    await row.getByRole("link", { name: /^Review/ }).click();
    await page
      .getByRole("heading", { level: 1, name: new RegExp(escapeRegExp(org.name)) })
      .waitFor();

    await page.getByRole("button", { name: "Return to the provider" }).click();
    await page.getByText("A comment is needed").waitFor();
    await page.getByLabel("Comment to the provider").fill(comment);
    await page.getByRole("button", { name: "Return to the provider" }).click();
    await page
      .locator('[data-testid="assessment-status"][data-status="returned"]')
      .first()
      .waitFor();
    await page
      .locator('li.review-item[data-decision="return"]')
      .filter({ hasText: comment })
      .waitFor();
  });
  const returned = await readAssessment(session, assessment.id);
  assert.equal(returned.status, "returned");
  assert.equal(returned.reviews.at(-1).comment, comment);
  assert.equal(returned.reviews.at(-1).reviewer, reviewer.username);

  await withPage(t, async (page) => {
    const user = provider();
    await login(page, user.username, user.password, { path: `/assessment/${assessment.id}` });
    const notice = page.getByTestId("return-comment");
    await notice.waitFor();
    assert.equal((await notice.innerText()).trim(), comment);
    await page.getByText(`Returned for changes by ${reviewer.username}`).waitFor();
    assert.equal(
      await page.locator("fieldset.question input[type=radio]").first().isDisabled(),
      false,
      "a returned assessment can be changed again",
    );
  });
});

test("after resubmission the authority's analyst accepts it and the provider sees it accepted", async (t) => {
  const { session, assessment } = await openAssessment();
  expectStatus(
    await session.call("POST", `/api/v1/assessments/${assessment.id}/submit`, {}),
    200,
    "resubmitting",
  );
  const analyst = demoNamed("be.analyst");
  await withPage(t, async (page) => {
    await login(page, analyst.username, analyst.password, { path: `/reviews/${assessment.id}` });
    await page.getByRole("button", { name: "Accept" }).click();
    await page
      .locator('[data-testid="assessment-status"][data-status="accepted"]')
      .first()
      .waitFor();
    assert.equal(await page.getByRole("button", { name: "Accept" }).count(), 0);
  });
  assert.equal((await readAssessment(session, assessment.id)).status, "accepted");

  await withPage(t, async (page) => {
    const user = provider();
    await login(page, user.username, user.password, { path: `/assessment/${assessment.id}` });
    await page
      .locator('[data-testid="assessment-status"][data-status="accepted"]')
      .first()
      .waitFor();
    await page.getByText("This assessment was accepted").waitFor();
    await page.locator('li.review-item[data-decision="accept"]').waitFor();
  });
});
