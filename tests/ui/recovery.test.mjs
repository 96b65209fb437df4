// Ransomware recovery in the browser: a pasted real ransom note (from the MISP galaxy, with the
// victim's ID changed) identifies its family first with evidence and says whether a decryption
// tool is known; a UTF-16 note file is read in the browser and sent as base64; the result can be
// attached to an incident; the provider works through the recovery checklist that the CSIRT
// follows; support-centre staff curate the decryption tools, providers cannot.

import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

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

const here = path.dirname(fileURLToPath(import.meta.url));
const galaxy = JSON.parse(
  fs.readFileSync(path.join(here, "../../data/recovery/misp-galaxy-ransomware.json"), "utf8"),
);

/** The `index`-th known note of the galaxy family `name`. */
function galaxyNote(name, index) {
  const family = galaxy.values.find((v) => v.value === name);
  assert.ok(family, `the galaxy has ${name}`);
  const note = family.meta?.ransomnotes?.[index];
  assert.ok(note, `the galaxy has note ${index} of ${name}`);
  return note;
}

// GandCrab v2's note as a victim found it: the galaxy's copy with another victim ID.
const kGandCrabId = "6361f798c4ba3647";
const gandCrabNote = () => {
  const note = galaxyNote("GandCrab", 1);
  assert.ok(note.includes(kGandCrabId), "the galaxy note carries its victim's ID");
  return note.replace(kGandCrabId, "a93be0c4417d52e8");
};

// Sigrun's note with an ID key in place of the galaxy's placeholder.
const sigrunNote = () =>
  galaxyNote("Sigrun Ransomware", 0).replace("[id_key]", "SGN7A21F0C3D9E4B6A8");

async function identify(user, clues) {
  const session = await apiLogin(user.username, user.password);
  return expectStatus(
    await session.call("POST", "/api/v1/recovery/identify", clues),
    200,
    "identifying",
  );
}

const candidate = (page, rank) => page.locator(`[data-testid="candidate"][data-rank="${rank}"]`);

/** The first candidate on the page shows what the hub answered for it. */
async function expectFirstCandidate(page, expected) {
  const first = candidate(page, 1);
  await first.waitFor();
  assert.equal(await first.getAttribute("data-family"), expected.family.name);
  assert.equal(
    await first.getByTestId("confidence").getAttribute("data-value"),
    Math.max(0, Math.min(1, expected.confidence)).toFixed(3),
  );
  const kinds = await first
    .locator('[data-testid="evidence"]')
    .evaluateAll((rows) => rows.map((r) => r.dataset.kind));
  assert.deepEqual(
    kinds,
    expected.evidence.map((e) => e.kind),
  );
  if (expected.decryptors.length > 0) {
    const tools = first.locator('[data-testid="decryptor"]');
    assert.deepEqual(
      await tools.evaluateAll((els) => els.map((e) => e.dataset.key)),
      expected.decryptors.map((d) => d.key),
    );
    assert.equal(
      await tools.first().getByRole("link").first().getAttribute("href"),
      expected.decryptors[0].url,
    );
    assert.equal(await first.getByTestId("no-decryptor").count(), 0);
  } else {
    assert.match(
      await first.getByTestId("no-decryptor").innerText(),
      /No decryption tool is known/,
    );
    assert.equal(await first.locator('[data-testid="decryptor"]').count(), 0);
  }
}

test("a pasted real ransom note identifies its family first, with evidence and decryptor availability", async (t) => {
  const user = demoNamed("h1.reporter");
  const note = gandCrabNote();
  const expected = await identify(user, { note_text: note });
  assert.match(expected.candidates[0].family.name, /gandcrab/i, "the hub ranks GandCrab first");
  assert.equal(expected.unknown, false);
  assert.ok(
    expected.candidates[0].evidence.some((e) => e.kind === "note_text"),
    "the note's text is evidence",
  );

  await withPage(t, async (page) => {
    await login(page, user.username, user.password);
    await openFromNav(page, "Ransomware recovery");
    await page.getByLabel("Or paste the text of the note").fill(note);
    await page.getByRole("button", { name: "Identify" }).click();
    await expectFirstCandidate(page, expected.candidates[0]);
    assert.equal(await page.getByTestId("identify-unknown").count(), 0);
    const evidence = candidate(page, 1).locator('[data-testid="evidence"][data-kind="note_text"]');
    assert.match(await evidence.first().innerText(), /Ransom-note text/);
    assert.equal(
      await page.locator('[data-testid="candidate"]').count(),
      expected.candidates.length,
    );
  });
});

test("a UTF-16 note file is read in the browser and identifies the same family", async (t) => {
  const user = demoNamed("h1.reporter");
  const text = sigrunNote();
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
  const expected = await identify(user, {
    note_filename: "RESTORE-SIGRUN.txt",
    note_base64: utf16.toString("base64"),
  });
  assert.match(expected.candidates[0].family.name, /sigrun/i, "the hub ranks Sigrun first");

  await withPage(t, async (page) => {
    await login(page, user.username, user.password);
    await page.goto("/recovery");
    const sent = page.waitForRequest(
      (r) => r.url().endsWith("/api/v1/recovery/identify") && r.method() === "POST",
    );
    await page.getByLabel("Pick the note file").setInputFiles({
      name: "RESTORE-SIGRUN.txt",
      mimeType: "text/plain",
      buffer: utf16,
    });
    await page.getByTestId("note-file").waitFor();
    assert.equal(await page.getByLabel("Or paste the text of the note").count(), 0);
    await page.getByRole("button", { name: "Identify" }).click();
    const body = JSON.parse((await sent).postData());
    assert.equal(body.note_filename, "RESTORE-SIGRUN.txt");
    assert.equal(body.note_base64, utf16.toString("base64"), "the bytes as read, in base64");
    assert.equal(body.note_text, undefined);
    await expectFirstCandidate(page, expected.candidates[0]);
    assert.match(await page.getByTestId("note-reading").first().innerText(), /UTF-16/i);
  });
});

test("file names, bytes and contacts are sent as clues and the result can be attached to an incident", async (t) => {
  const admin = demoNamed("h1.admin");
  const session = await apiLogin(admin.username, admin.password);
  const incident = expectStatus(
    await session.call("POST", "/api/v1/incidents", {
      title: uniqueName("Encrypted file shares"),
      aware_at: new Date(Date.now() - 3_600_000).toISOString(),
    }),
    201,
    "opening an incident",
  );
  const user = demoNamed("h1.reporter");
  await withPage(t, async (page) => {
    await login(page, user.username, user.password);
    await page.goto(`/recovery?incident=${incident.id}`);
    const attach = page.getByLabel("Attach the result to an incident");
    await attach.waitFor();
    assert.equal(await attach.inputValue(), String(incident.id));
    await page
      .getByLabel("Names of a few encrypted files")
      .fill("budget.xlsx.GDCB\nscan 0042.pdf.GDCB");
    await page.getByLabel("First bytes (hex)").fill("4D 5A 90 00");
    await page.getByLabel("E-mail addresses").fill("sigrun_decryptor@protonmail.ch");
    await page.getByLabel("Onion addresses").fill("http://gdcbghvjyqy7jclk.onion/");
    const sent = page.waitForRequest(
      (r) => r.url().endsWith("/api/v1/recovery/identify") && r.method() === "POST",
    );
    await page.getByRole("button", { name: "Identify" }).click();
    const body = JSON.parse((await sent).postData());
    assert.deepEqual(body, {
      file_names: ["budget.xlsx.GDCB", "scan 0042.pdf.GDCB"],
      header_hex: "4d5a9000",
      emails: ["sigrun_decryptor@protonmail.ch"],
      onions: ["http://gdcbghvjyqy7jclk.onion/"],
      incident_id: incident.id,
    });
    await page.getByText(`The result was attached to ${incident.reference}.`).waitFor();
    await candidate(page, 1).waitFor();

    const checklist = expectStatus(
      await session.call("GET", `/api/v1/incidents/${incident.id}/recovery`),
      200,
      "reading the checklist",
    );
    assert.equal(checklist.identifications.length, 1, "the hub stored the result");
    const stored = checklist.identifications[0];
    assert.equal(stored.created_by, user.username);
    await page.goto(`/incidents/${incident.id}/recovery`);
    const attached = page.getByTestId("attached-identification");
    await attached.waitFor();
    assert.match(await attached.innerText(), new RegExp(user.username));
    if (stored.result.candidates.length > 0) {
      assert.equal(
        await attached.locator("tbody tr").first().getAttribute("data-family"),
        stored.result.candidates[0].name,
      );
    }
  });
});

test("the provider works through the recovery checklist and the CSIRT follows it", async (t) => {
  const admin = demoNamed("h1.admin");
  const session = await apiLogin(admin.username, admin.password);
  const incident = expectStatus(
    await session.call("POST", "/api/v1/incidents", {
      title: uniqueName("Ransomware in the laboratory"),
      aware_at: new Date(Date.now() - 7_200_000).toISOString(),
    }),
    201,
    "opening an incident",
  );
  const checklist = expectStatus(
    await session.call("GET", `/api/v1/incidents/${incident.id}/recovery`),
    200,
    "reading the checklist",
  );
  const step = checklist.steps[0];
  assert.ok(step, "the checklist has steps");
  const note = `Laboratory VLAN unplugged at ${new Date().toISOString().slice(11, 16)}.`;
  const provider = demoNamed("h1.reporter");

  await withPage(t, async (page) => {
    await login(page, provider.username, provider.password);
    await page.goto(`/incidents/${incident.id}`);
    await page.getByRole("link", { name: "Recovery checklist" }).click();
    const item = page.locator(`[data-testid="recovery-step"][data-step="${step.step}"]`);
    await item.waitFor();
    assert.equal(
      await page.locator('[data-testid="recovery-step"]').count(),
      checklist.steps.length,
    );
    await item.getByLabel(/^State of/).selectOption("done");
    await item.getByLabel("Note").fill(note);
    await item.getByRole("button", { name: /^Save/ }).click();
    await page
      .locator(`[data-testid="recovery-step"][data-step="${step.step}"][data-state="done"]`)
      .waitFor();
  });
  const saved = expectStatus(
    await session.call("GET", `/api/v1/incidents/${incident.id}/recovery`),
    200,
    "reading the checklist",
  ).steps.find((s) => s.step === step.step);
  assert.equal(saved.state, "done");
  assert.equal(saved.note, note);
  assert.equal(saved.updated_by, provider.username);

  const csirt = demoNamed("be.analyst");
  await withPage(t, async (page) => {
    await login(page, csirt.username, csirt.password);
    await page.goto(`/incidents/${incident.id}/recovery`);
    const item = page.locator(`[data-testid="recovery-step"][data-step="${step.step}"]`);
    await item.waitFor();
    assert.equal(await item.getAttribute("data-state"), "done");
    assert.match(await item.innerText(), new RegExp(escapeRegExp(note)));
    assert.match(await item.innerText(), new RegExp(provider.username));
    assert.equal(await page.getByRole("button", { name: /^Save/ }).count(), 0, "read only");
  });
});

test("support-centre staff add a decryption tool that providers find but cannot change", async (t) => {
  const curator = demoNamed("eu.analyst");
  const tool = uniqueName("Demo GandCrab Decryptor");
  await withPage(t, async (page) => {
    await login(page, curator.username, curator.password);
    await openFromNav(page, "Ransomware recovery");
    await page.getByRole("link", { name: "Decryption tools" }).click();
    await page.getByRole("heading", { level: 1, name: "Decryption tools" }).waitFor();
    await page.getByRole("button", { name: "Add a tool" }).click();
    await page.getByLabel("Families").fill("GandCrab");
    await page.getByLabel("Tool", { exact: true }).fill(tool);
    await page.getByLabel("Provider").fill("Caduceus UI test");
    await page
      .getByLabel("Web address")
      .fill("https://www.nomoreransom.org/en/decryption-tools.html");
    await page.getByLabel("Instructions").fill("Run it on a copy of the encrypted files.");
    await page.getByRole("button", { name: "Add the tool" }).click();
    await page.getByText("The tool was added.").waitFor();
    await page.getByLabel("Search the decryption tools").fill(tool);
    await page.locator('[data-testid="decryptor-entry"]').first().waitFor();
    assert.equal(await page.locator('[data-testid="decryptor-entry"]').count(), 1);
  });
  const session = await apiLogin(curator.username, curator.password);
  const list = expectStatus(await session.call("GET", "/api/v1/recovery/decryptors"), 200, "list");
  const added = list.items.find((d) => d.tool === tool);
  assert.ok(added, "the hub stored the tool");
  assert.deepEqual(added.families, ["GandCrab"]);

  const provider = demoNamed("h1.admin");
  const own = await apiLogin(provider.username, provider.password);
  const refused = await own.call("PATCH", `/api/v1/recovery/decryptors/${added.id}`, {
    tool: "changed",
  });
  assert.equal(refused.status, 403);
  await withPage(t, async (page) => {
    await login(page, provider.username, provider.password);
    await page.goto("/recovery/decryptors");
    await page.getByLabel("Search the decryption tools").fill(tool);
    const entry = page.locator(`[data-testid="decryptor-entry"][data-key="${added.key}"]`);
    await entry.waitFor();
    assert.equal(await page.getByRole("button", { name: "Add a tool" }).count(), 0);
    assert.equal(await entry.getByRole("button").count(), 0, "no Edit or Remove");
  });

  await withPage(t, async (page) => {
    await login(page, curator.username, curator.password);
    await page.goto("/recovery/decryptors");
    await page.getByLabel("Search the decryption tools").fill(tool);
    const entry = page.locator(`[data-testid="decryptor-entry"][data-key="${added.key}"]`);
    await entry.getByRole("button", { name: `Remove ${tool}` }).click();
    await entry.getByRole("button", { name: "Remove it" }).click();
    await page.getByText(`${tool} was removed.`).waitFor();
  });
  const after = expectStatus(await session.call("GET", "/api/v1/recovery/decryptors"), 200, "list");
  assert.ok(!after.items.some((d) => d.id === added.id), "the tool is gone");
});

test("a curator's byte marker on a new family is used by identification at once", async (t) => {
  const curator = demoNamed("eu.analyst");
  const name = uniqueName("UI Test Locker");
  // Unique to this run, so that families made by earlier runs do not match as well.
  const header = crypto.randomBytes(8).toString("hex");
  await withPage(t, async (page) => {
    await login(page, curator.username, curator.password);
    await page.goto("/recovery/families");
    await page.getByRole("heading", { level: 1, name: "Ransomware families" }).waitFor();
    await page.getByRole("button", { name: "Add a family" }).click();
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByRole("button", { name: "Add the family" }).click();
    await page.getByRole("heading", { level: 1, name }).waitFor();
    const familyId = Number(/\/recovery\/families\/(\d+)$/.exec(page.url())[1]);

    await page.getByLabel("Kind").selectOption("header");
    await page.getByLabel("Value").fill(header.toUpperCase());
    await page.getByLabel("Comment (optional)").fill("Seen in the UI test sample.");
    await page.getByRole("button", { name: "Add the marker" }).click();
    const marker = page.locator('[data-testid="marker"][data-kind="header"]');
    await marker.waitFor();
    assert.match(await marker.innerText(), new RegExp(header, "i"));

    const session = await apiLogin(curator.username, curator.password);
    const family = expectStatus(
      await session.call("GET", `/api/v1/recovery/families/${familyId}`),
      200,
      "reading the family",
    );
    assert.equal(family.markers.length, 1);
    assert.equal(family.markers[0].created_by, curator.username);

    await page.getByRole("link", { name: "Identify the ransomware" }).click();
    await page.getByLabel("First bytes (hex)").fill(`${header}00112233`);
    await page.getByRole("button", { name: "Identify" }).click();
    const first = candidate(page, 1);
    await first.waitFor();
    assert.equal(await first.getAttribute("data-family"), name);
    await first.locator('[data-testid="evidence"][data-kind="header"]').waitFor();
  });

  const provider = demoNamed("h1.admin");
  const own = await apiLogin(provider.username, provider.password);
  const refused = await own.call("POST", "/api/v1/recovery/families", { name: uniqueName("x") });
  assert.equal(refused.status, 403, "providers do not curate the knowledge base");
});
