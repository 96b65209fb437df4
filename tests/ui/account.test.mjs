// My account: two-factor authentication and personal API tokens.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  apiLogin,
  baseURL,
  createProvider,
  createReadyUser,
  demoAdmin,
  demoUser,
  login,
  logout,
  nextTotpStep,
  totpCode,
  totpStep,
  uniqueName,
  useBrowserForFile,
  withPage,
} from "./helpers.mjs";

useBrowserForFile();

test("after enabling two-factor authentication, signing in asks for a valid code", async (t) => {
  const admin = demoAdmin("provider");
  const user = await createReadyUser(admin, "viewer");
  await withPage(t, async (page) => {
    await login(page, user.username, user.password, { path: "/account" });
    await page.getByRole("heading", { level: 1, name: "My account" }).waitFor();
    await page.getByRole("button", { name: "Set up two-factor authentication" }).click();

    const secret = (await page.getByTestId("totp-secret").innerText()).trim();
    assert.match(secret, /^[A-Z2-7]{16,}=*$/);
    const uri = await page.getByTestId("totp-uri").innerText();
    assert.ok(uri.startsWith("otpauth://totp/"), uri);
    assert.ok(uri.includes(`secret=${secret}`), "the URI carries the same secret");
    const qr = page.getByRole("img", { name: /QR code/ });
    await qr.waitFor();
    assert.match(await qr.getAttribute("src"), /^data:image\/svg\+xml/);

    await page.getByLabel("Your password").fill(user.password);
    await page.getByLabel("6-digit code").fill("000000" === totpCode(secret) ? "111111" : "000000");
    await page.getByRole("button", { name: "Enable" }).click();
    await page.locator('[role="alert"] [data-problem]').waitFor();

    const enableStep = totpStep();
    await page.getByLabel("6-digit code").fill(totpCode(secret, enableStep));
    await page.getByRole("button", { name: "Enable" }).click();
    await page.getByText("Two-factor authentication is on.", { exact: false }).waitFor();

    await logout(page);
    await login(page, user.username, user.password, { expectCode: true });
    assert.equal(await page.getByRole("navigation", { name: "Main" }).count(), 0);

    const wrong = totpCode(secret) === "123456" ? "654321" : "123456";
    await page.getByLabel("Authentication code").fill(wrong);
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await page.locator('[role="alert"] [data-problem="totp-required"]').waitFor();

    // A code is accepted once: wait for the next 30-second step rather than reuse the one
    // that enabled two-factor authentication.
    const step = await nextTotpStep(enableStep);
    await page.getByLabel("Authentication code").fill(totpCode(secret, step));
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  });
});

test("an API token works as a bearer token until it is revoked", async (t) => {
  const user = demoUser((u) => u.kind === "authority" && u.role !== "admin", "authority non-admin");
  const name = uniqueName("script");
  await withPage(t, async (page) => {
    await login(page, user.username, user.password, { path: "/account" });
    await page.getByRole("heading", { name: "API tokens" }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("write", { exact: true }).check();
    await page.getByLabel("Expires in (days)").fill("7");
    await page.getByRole("button", { name: "Create token" }).click();

    const shown = page.getByRole("region", { name: `Token “${name}”` });
    await shown.waitFor();
    const token = (await shown.locator("[data-secret]").innerText()).trim();
    assert.ok(token.startsWith("cdc_"), token);

    const row = page.locator(`tr[data-token-name="${name}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /read, write/);
    assert.match(await row.innerText(), /Active/);
    assert.ok(token.startsWith((await row.locator(".mono").innerText()).replace("…", "")));

    const before = await fetch(`${baseURL}/api/v1/me`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(before.status, 200);
    assert.equal((await before.json()).user.username, user.username);

    await row.getByRole("button", { name: `Revoke ${name}` }).click();
    await row.getByRole("button", { name: "Revoke", exact: true }).click();
    await row.getByText("Revoked", { exact: true }).waitFor();
    await page.getByRole("status").getByText(`The token “${name}” was revoked.`).waitFor();

    const afterRevoke = await fetch(`${baseURL}/api/v1/me`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(afterRevoke.status, 401);
  });
});

test("changing the password from My account requires the current password", async (t) => {
  const admin = demoAdmin("support_centre");
  const user = await createReadyUser(admin, "analyst");
  await withPage(t, async (page) => {
    await login(page, user.username, user.password, { path: "/account" });
    const card = page.getByRole("region", { name: "Password", exact: true });
    await card.getByLabel("Current password").fill(`${user.password}-not`);
    await card.getByLabel("New password", { exact: true }).fill("a much better passphrase");
    await card.getByLabel("Repeat the new password").fill("a much better passphrase");
    await card.getByRole("button", { name: "Change password" }).click();
    await card.locator('[role="alert"] [data-problem]').waitFor();

    await card.getByLabel("Current password").fill(user.password);
    await card.getByRole("button", { name: "Change password" }).click();
    await card.getByText("Your password was changed.").waitFor();
    await logout(page);
    await login(page, user.username, "a much better passphrase");
  });
});

test("requiring two-factor authentication for one's own organisation leads to enrolment first", async (t) => {
  const authority = demoAdmin("authority");
  const clinic = await createProvider(authority, uniqueName("Clinic"));
  const admin = await createReadyUser(authority, "admin", clinic.id);
  await withPage(t, async (page) => {
    await login(page, admin.username, admin.password, { path: "/admin/organisations" });
    const row = page.locator(`tr[data-org-id="${clinic.id}"]`);
    await row.getByRole("switch").click();
    await page.getByText("You have not set up two-factor authentication yourself").waitFor();
    await page.getByRole("button", { name: "Require it now" }).click();

    await page
      .getByRole("heading", { level: 1, name: "Set up two-factor authentication" })
      .waitFor();
    assert.equal(await page.getByRole("navigation", { name: "Main" }).count(), 0);
    const blocked = await apiLogin(admin.username, admin.password);
    assert.equal((await blocked.call("GET", "/api/v1/organisations")).status, 403);

    await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
    const secret = (await page.getByTestId("totp-secret").innerText()).trim();
    await page.getByLabel("Your password").fill(admin.password);
    await page.getByLabel("6-digit code").fill(totpCode(secret, totpStep()));
    await page.getByRole("button", { name: "Enable" }).click();
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    // Enrolling ends the sessions that were opened without the second factor.
    assert.equal((await blocked.call("GET", "/api/v1/organisations")).status, 401);
  });
});
