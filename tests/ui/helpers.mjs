// Shared helpers for the browser tests: a headless Debian Chromium, the live hub started by
// run.sh (CADUCEUS_URL) and the demo credentials it wrote (CADUCEUS_CREDS).

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

export const baseURL = requiredEnv("CADUCEUS_URL").replace(/\/+$/, "");
const credentialsFile = requiredEnv("CADUCEUS_CREDS");
const here = path.dirname(fileURLToPath(import.meta.url));
export const resultsDir = process.env.CADUCEUS_UI_RESULTS ?? path.join(here, "test-results");

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through tests/ui/run.sh`);
  return value;
}

/** Demo users written by `caduceus-hub demo --credentials-file`. */
export function demoUsers() {
  const parsed = JSON.parse(fs.readFileSync(credentialsFile, "utf8"));
  if (!Array.isArray(parsed.users) || parsed.users.length === 0) {
    throw new Error(`${credentialsFile} lists no users`);
  }
  return parsed.users;
}

export function demoUser(predicate, what) {
  const found = demoUsers().find(predicate);
  if (!found) throw new Error(`the demo credentials contain no ${what}`);
  return found;
}

/** The demo administrator of the first organisation of `kind` ("provider", "authority", …). */
export function demoAdmin(kind) {
  return demoUser((u) => u.role === "admin" && u.kind === kind, `${kind.replace("_", " ")} admin`);
}

export const kRoleLabels = {
  admin: "Administrator",
  analyst: "Analyst",
  reporter: "Reporter",
  viewer: "Viewer",
};

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

let fileBrowser = null;

/** Launches one browser before the calling test file's tests and closes it after them. */
export function useBrowserForFile() {
  before(async () => {
    fileBrowser = await launchBrowser();
  });
  after(async () => {
    await fileBrowser?.close();
    fileBrowser = null;
  });
}

/**
 * Runs `fn` with a fresh context (no cookies) and page of the file's browser (see
 * useBrowserForFile). On failure a full-page screenshot named after the test goes to the
 * results directory before the error propagates. Page errors and CSP violations reported on
 * the console fail the test.
 */
export async function withPage(t, fn) {
  if (!fileBrowser) throw new Error("no browser: call useBrowserForFile() in the test file");
  const context = await fileBrowser.newContext({
    baseURL,
    viewport: { width: 1280, height: 860 },
    locale: "en-GB",
    permissions: ["clipboard-read", "clipboard-write"],
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/i.test(m.text())) {
      pageErrors.push(`CSP violation: ${m.text()}`);
    }
  });
  try {
    await fn(page, context);
    if (pageErrors.length) throw new Error(pageErrors.join("\n"));
  } catch (error) {
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${t.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 80)}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    if (error instanceof Error) error.message += `\n(screenshot: ${file})`;
    throw error;
  } finally {
    await context.close();
  }
}

/** Signs in through the login form and waits for the console (or the forced password page). */
export async function login(page, username, password, options = {}) {
  await page.goto(options.path ?? "/login");
  await submitLogin(page, username, password);
  if (options.expectForcedChange) {
    await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
  } else if (options.expectCode) {
    await page.getByLabel("Authentication code").waitFor();
  } else {
    await page.getByRole("navigation", { name: "Main" }).waitFor();
  }
}

/** Fills in and sends the login form shown on `page`, without waiting for the answer. */
export async function submitLogin(page, username, password) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Follows the link `name` of the main navigation and waits for the page of that title. */
export async function openFromNav(page, name) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).click();
  await page.getByRole("heading", { level: 1, name }).waitFor();
}

export async function logout(page) {
  await page.locator(".usermenu-button").click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
}

export function uniqueName(prefix) {
  return `${prefix}-${Date.now().toString(36)}${crypto.randomBytes(2).toString("hex")}`;
}

function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const clean = text.toUpperCase().replace(/[\s=]/g, "");
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const index = alphabet.indexOf(ch);
    if (index < 0) throw new Error(`not base32: ${text}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export const kTotpStepSeconds = 30;

export function totpStep(atMs = Date.now()) {
  return Math.floor(atMs / 1000 / kTotpStepSeconds);
}

/** RFC 6238 code (HMAC-SHA1, 6 digits, 30 s steps) for a base32 secret. */
export function totpCode(secret, step = totpStep()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, "0");
}

/** Waits until the TOTP step differs from `step`, so a fresh code can be used (no reuse). */
export async function nextTotpStep(step) {
  while (totpStep() === step) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return totpStep();
}

/** A cookie session against the hub's API, used to prepare data without the browser. */
export async function apiLogin(username, password) {
  const res = await fetch(`${baseURL}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) {
    throw new Error(`API login of ${username} answered ${res.status}: ${await res.text()}`);
  }
  const me = await res.json();
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .find((c) => c.startsWith("caduceus_session="));
  if (!cookie) throw new Error("login set no caduceus_session cookie");
  const call = async (method, urlPath, body) => {
    const headers = { Accept: "application/json", Cookie: cookie, "X-CSRF-Token": me.csrf_token };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(`${baseURL}${urlPath}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };
  return { me, call };
}

/** Registers a provider under the authority that `authorityAdmin` administers; returns it. */
export async function createProvider(authorityAdmin, name) {
  const session = await apiLogin(authorityAdmin.username, authorityAdmin.password);
  const created = await session.call("POST", "/api/v1/organisations", {
    name,
    kind: "provider",
    parent_id: session.me.organisation.id,
    provider_type: "clinic",
    size_band: "small",
  });
  if (created.status !== 201) {
    throw new Error(`creating ${name} answered ${created.status}: ${JSON.stringify(created.body)}`);
  }
  return created.body;
}

/**
 * Creates a user through the API as `admin` (in the admin's organisation unless another is
 * given) and gives them their own password, so that the browser test starts from a normal
 * account. Returns { id, username, password }.
 */
export async function createReadyUser(admin, role = "viewer", organisationId = undefined) {
  const session = await apiLogin(admin.username, admin.password);
  const username = uniqueName("ui");
  const created = await session.call("POST", "/api/v1/users", {
    username,
    display_name: `UI Test ${role}`,
    role,
    organisation_id: organisationId ?? session.me.organisation.id,
  });
  if (created.status !== 201) {
    throw new Error(
      `creating ${username} answered ${created.status}: ${JSON.stringify(created.body)}`,
    );
  }
  const password = `ui-test-${crypto.randomBytes(12).toString("hex")}`;
  const own = await apiLogin(username, created.body.initial_password);
  const changed = await own.call("POST", "/api/v1/me/password", {
    current_password: created.body.initial_password,
    new_password: password,
  });
  if (changed.status !== 204) {
    throw new Error(`password change answered ${changed.status}: ${JSON.stringify(changed.body)}`);
  }
  return { id: created.body.user.id, username, password };
}

/** The demo user called `username` (e.g. "h1.admin"). */
export function demoNamed(username) {
  return demoUser((u) => u.username === username, `user ${username}`);
}

export function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Fails with the hub's answer unless `res` (from apiLogin's call) has the expected status. */
export function expectStatus(res, status, what) {
  if (res.status !== status) {
    throw new Error(`${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res.body;
}
