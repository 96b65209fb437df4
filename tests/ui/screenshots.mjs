// Takes screenshots of the console's main pages for a visual review (not a test).
//
//   CADUCEUS_URL=http://127.0.0.1:PORT CADUCEUS_CREDS=creds.json node tests/ui/screenshots.mjs [dir]
//
// Signs in as the support centre's administrator and as a provider's viewer; writes PNGs to
// the given directory (default tests/ui/test-results/screenshots).

import fs from "node:fs";
import path from "node:path";

import { demoAdmin, launchBrowser, login, resultsDir } from "./helpers.mjs";

const outDir = process.argv[2] ?? path.join(resultsDir, "screenshots");
fs.mkdirSync(outDir, { recursive: true });

const browser = await launchBrowser();
try {
  for (const width of [1440, 1024]) {
    const context = await browser.newContext({
      baseURL: process.env.CADUCEUS_URL,
      viewport: { width, height: 900 },
    });
    const page = await context.newPage();
    const shot = async (name) => {
      await page.waitForLoadState("networkidle");
      const file = path.join(outDir, `${width}-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(file);
    };
    await page.goto("/login");
    await shot("login");
    const admin = demoAdmin("support_centre");
    await login(page, admin.username, admin.password);
    await shot("overview");
    for (const [route, name] of [
      ["/admin/organisations", "organisations"],
      ["/admin/users", "users"],
      ["/admin/audit", "audit"],
      ["/account", "account"],
      ["/intel", "intel"],
      ["/warnings", "placeholder"],
    ]) {
      await page.goto(route);
      await page.locator("main h1").waitFor();
      await shot(name);
    }
    await context.close();
  }
} finally {
  await browser.close();
}
