// Early warning in the browser, the "done when" path: a hospital analyst uploads the
// hospital's inventory (a CSV whose bad rows are first refused by line, nothing applied); the
// Belgian authority's analyst imports a CSAF advisory about a device in it; the hospital's alerts
// page, open meanwhile, shows the new alert live (no reload) and the alert says why the asset
// matched; the analyst acknowledges it; the authority's dashboard counts the provider as
// acknowledged; a second hospital, whose device runs a fixed version, has no alert.

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
  openFromNav,
  useBrowserForFile,
  withPage,
} from "./helpers.mjs";

useBrowserForFile();

const kCsvHeader =
  "vendor,product,version,model number,serial,location,department,owner,network connected,patient safety critical";

/** A CISA-style medical advisory (CSAF 2.0, csaf_security_advisory) about `product` <= 3.4. */
function csafAdvisory({ trackingId, title, product }) {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    document: {
      category: "csaf_security_advisory",
      csaf_version: "2.0",
      distribution: { text: "Disclosure is not limited", tlp: { label: "WHITE" } },
      lang: "en-US",
      notes: [
        {
          category: "summary",
          title: "Risk evaluation",
          text: "Successful exploitation could allow an attacker to read files on the affected device.",
        },
      ],
      publisher: {
        category: "coordinator",
        name: "Caduceus UI test CSIRT",
        namespace: "https://csirt.ui-test.example",
      },
      references: [
        {
          category: "external",
          summary: "The vendor's security page",
          url: "https://vendor.example/security",
        },
      ],
      title,
      tracking: {
        current_release_date: now,
        generator: { engine: { name: "caduceus ui test" } },
        id: trackingId,
        initial_release_date: now,
        revision_history: [{ date: now, number: "1", summary: "Initial publication" }],
        status: "final",
        version: "1",
      },
    },
    product_tree: {
      branches: [
        {
          category: "vendor",
          name: "Medtronic",
          branches: [
            {
              category: "product_name",
              name: product,
              branches: [
                {
                  category: "product_version_range",
                  name: "<= 3.4",
                  product: {
                    name: `${product}: Version 3.4 and below`,
                    product_id: "CSAFPID-0001",
                  },
                },
              ],
            },
          ],
        },
      ],
    },
    vulnerabilities: [
      {
        cve: "CVE-2019-13543",
        cwe: { id: "CWE-798", name: "Use of Hard-coded Credentials" },
        notes: [
          {
            category: "summary",
            title: "Vulnerability Summary",
            text: "The affected products use hard-coded credentials.",
          },
        ],
        product_status: { known_affected: ["CSAFPID-0001"] },
        remediations: [
          {
            category: "vendor_fix",
            details: "Update to version 3.5 or later.",
            product_ids: ["CSAFPID-0001"],
          },
        ],
        scores: [
          {
            cvss_v3: {
              baseScore: 9.8,
              baseSeverity: "CRITICAL",
              vectorString: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
              version: "3.0",
            },
            products: ["CSAFPID-0001"],
          },
        ],
      },
    ],
  };
}

/** Uploads `csv` as the inventory of the organisation of `session` (replacing it). */
async function uploadInventoryApi(session, csv) {
  return expectStatus(
    await session.call("POST", "/api/v1/inventory", {
      format: "csv",
      mode: "replace",
      file_name: "inventory.csv",
      content: csv,
    }),
    201,
    "uploading the inventory",
  );
}

test("an advisory reaches only the hospital that runs the affected version, live, and the authority sees it acknowledged", async (t) => {
  const suffix = crypto.randomBytes(3).toString("hex");
  const product = `Valleylab Exchange Client ${suffix}`;
  const title = `Medtronic ${product} hard-coded credentials`;
  const trackingId = `UITEST-${Date.now().toString(36)}-${suffix}`.toUpperCase();

  // Two Belgian hospitals, each with an analyst; the Belgian authority's analyst publishes.
  const authorityAdmin = demoNamed("be.admin");
  const affected = await createProvider(authorityAdmin, `UI Hospital A ${suffix}`);
  const spared = await createProvider(authorityAdmin, `UI Hospital B ${suffix}`);
  const analystA = await createReadyUser(authorityAdmin, "analyst", affected.id);
  const analystB = await createReadyUser(authorityAdmin, "analyst", spared.id);
  const authority = demoNamed("be.analyst");

  // Hospital B runs the fixed version 3.5 of the same device.
  const sessionB = await apiLogin(analystB.username, analystB.password);
  await uploadInventoryApi(
    sessionB,
    `${kCsvHeader}\nMedtronic,${product},3.5,VLX-1,SN-B-1,Theatre 2,Surgery,Biomed,yes,yes\n`,
  );

  let advisoryId = 0;
  await withPage(t, async (page) => {
    await login(page, analystA.username, analystA.password);
    await openFromNav(page, "Asset inventory");
    await page.getByTestId("assets-count").filter({ hasText: /\S/ }).waitFor();
    assert.equal(await page.getByTestId("assets-count").innerText(), "No asset.");

    // A file with bad rows is refused as a whole, each bad row named by its line.
    const fileInput = page.getByLabel("File", { exact: true });
    await fileInput.setInputFiles({
      name: "bad.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(
        `${kCsvHeader}\nMedtronic,${product},3.2,VLX-1,SN-A-1,Theatre 1,Surgery,Biomed,yes,yes\n` +
          `,Nameless,1.0,,,,,,no,no\n` +
          `Philips,IntelliVue MX40,B.06,MX40,SN-A-2,Ward 3,ICU,Biomed,yes,maybe\n`,
      ),
    });
    await page.getByRole("radio", { name: /^Replace/ }).check();
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    const rowErrors = page.getByTestId("row-errors");
    await rowErrors.waitFor();
    const lines = await rowErrors.locator("li").allInnerTexts();
    assert.ok(
      lines.some((l) => /^Line 3\b/.test(l)),
      `line 3 reported: ${lines}`,
    );
    assert.ok(
      lines.some((l) => /^Line 4\b/.test(l)),
      `line 4 reported: ${lines}`,
    );
    assert.equal(await page.getByTestId("assets-count").innerText(), "No asset.");

    // The good file: the device at 3.2 (affected) and a monitor the advisory does not name.
    await fileInput.setInputFiles({
      name: "inventory.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(
        `${kCsvHeader}\nMedtronic,${product},3.2,VLX-1,SN-A-1,Theatre 1,Surgery,Biomed,yes,yes\n` +
          `Philips,IntelliVue MX40,B.06,MX40,SN-A-2,Ward 3,ICU,Biomed,yes,no\n`,
      ),
    });
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    const result = page.getByTestId("upload-result");
    await result.waitFor();
    assert.equal(await result.locator('[data-key="assets"] dd').innerText(), "2");
    await page.getByTestId("assets-count").filter({ hasText: "2 assets" }).waitFor();
    await page.getByRole("table", { name: "Upload history" }).getByText("inventory.csv").waitFor();

    // The alerts page stays open, connected to the live stream, while the authority publishes.
    await openFromNav(page, "Alerts");
    await page.locator('[data-testid="live-indicator"][data-status="live"]').waitFor();
    await page.getByTestId("alerts-count").filter({ hasText: /\S/ }).waitFor();
    assert.equal(await page.locator("tr[data-alert-id]").count(), 0);
    await page.evaluate(() => {
      window.caduceusUiMarker = "same document";
    });

    await withPage(t, async (publisher) => {
      await login(publisher, authority.username, authority.password);
      await publisher.goto("/advisories/import");
      await publisher.getByRole("heading", { level: 1, name: "Publish advisories" }).waitFor();
      await publisher.getByLabel("CSAF files").setInputFiles({
        name: `${trackingId.toLowerCase()}.json`,
        mimeType: "application/json",
        buffer: Buffer.from(JSON.stringify(csafAdvisory({ trackingId, title, product }), null, 2)),
      });
      await publisher.getByRole("button", { name: "Import", exact: true }).click();
      const outcome = publisher.locator('[data-testid="import-outcomes"] li').first();
      await outcome.waitFor();
      assert.equal(
        await outcome.getAttribute("data-outcome"),
        "created",
        await outcome.innerText(),
      );
      const href = await outcome.getByRole("link").getAttribute("href");
      advisoryId = Number(/\/advisories\/(\d+)$/.exec(href)[1]);
    });

    // The alert appears in the page that was already open, without a reload.
    const row = page.locator("tr[data-alert-id]", { hasText: title });
    await row.waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate(() => window.caduceusUiMarker), "same document");
    assert.equal(await row.getAttribute("data-state"), "new");
    assert.equal(await row.getAttribute("data-severity"), "critical");
    assert.match(await row.innerText(), /Patient safety/i);

    await row.getByRole("link", { name: title }).click();
    await page.waitForURL(/\/alerts\/\d+$/);
    const reason = page.getByTestId("match-reason").first();
    await reason.waitFor();
    const why = await reason.innerText();
    assert.match(why, new RegExp(escapeRegExp(suffix), "i"), `reason names the product: ${why}`);
    assert.match(why, /3\.2/, `reason names the asset's version: ${why}`);
    assert.match(why, /3\.4/, `reason names the affected range: ${why}`);
    assert.equal(await page.getByTestId("alert-item").count(), 1);

    await page.getByRole("button", { name: "Acknowledge", exact: true }).click();
    await page.getByTestId("alert-state").filter({ hasText: "Acknowledged" }).waitFor();
    await page
      .getByTestId("alert-history")
      .getByText(/New → Acknowledged/)
      .waitFor();
  });
  assert.ok(advisoryId > 0);

  // The authority's dashboard: one provider affected, one acknowledged, none overdue.
  await withPage(t, async (page) => {
    await login(page, authority.username, authority.password);
    await openFromNav(page, "Early warnings");
    const row = page.locator(`tr[data-advisory-id="${advisoryId}"]`);
    await row.waitFor();
    assert.equal(await row.locator('[data-key="affected"]').innerText(), "1");
    assert.equal(await row.locator('[data-key="acknowledged"]').innerText(), "1");
    assert.equal(await row.locator('[data-key="overdue"]').innerText(), "0");

    await row.getByRole("link", { name: "Per provider" }).click();
    await page.getByRole("heading", { level: 1, name: "Alerts" }).waitFor();
    const alerts = page.locator("tr[data-alert-id]");
    await alerts.first().waitFor();
    assert.equal(await alerts.count(), 1);
    assert.equal(await alerts.first().getAttribute("data-state"), "acknowledged");
    assert.match(await alerts.first().innerText(), new RegExp(escapeRegExp(affected.name)));
  });

  // Hospital B runs 3.5: no alert, neither through the API nor on its alerts page.
  const listB = expectStatus(
    await sessionB.call("GET", `/api/v1/alerts?advisory=${advisoryId}`),
    200,
    "listing hospital B's alerts",
  );
  assert.equal(listB.items.length, 0);
  await withPage(t, async (page) => {
    await login(page, analystB.username, analystB.password);
    await page.goto(`/alerts?advisory=${advisoryId}`);
    await page.getByTestId("alerts-count").filter({ hasText: /\S/ }).waitFor();
    assert.equal(await page.getByTestId("alerts-count").innerText(), "No alert.");
    assert.equal(await page.locator("tr[data-alert-id]").count(), 0);
  });
});
