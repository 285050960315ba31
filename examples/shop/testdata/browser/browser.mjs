// Walks the shop in headless Chromium: log in through the form, add to the
// cart with the action buttons, check the dashboard count, log out.
//
//   node browser.mjs <base URL> <screenshot folder>
//
// CHROMIUM names the browser binary (default /usr/bin/chromium); EXPECT_SECURE
// (true or false) is the Secure flag the session cookie must have. Each step is
// printed on its own line; any failure exits with status 1.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [base, shots] = process.argv.slice(2);
if (!base || !shots) {
  console.error("usage: node browser.mjs <base URL> <screenshot folder>");
  process.exit(2);
}
const step = (msg) => console.log("step: " + msg);
const expect = (cond, msg) => {
  if (!cond) throw new Error("expectation failed: " + msg);
};

const profile = mkdtempSync(join(tmpdir(), "shop-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  chromiumSandbox: false,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
  viewport: { width: 1100, height: 760 },
  timeout: 60000,
});
let failed = false;
try {
  context.setDefaultTimeout(30000);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });

  await page.goto(base + "/dashboard");
  expect(new URL(page.url()).pathname === "/login", "a guest is sent from /dashboard to /login, got " + page.url());
  step("guard redirected to /login");

  await page.fill("#username", "alice");
  await page.fill("#password", "wonderland");
  await page.check("#remember");
  await Promise.all([page.waitForURL(base + "/dashboard"), page.click("#login-form button[type=submit]")]);
  let welcome = (await page.textContent("#welcome")).trim();
  expect(welcome === "Welcome back, alice. You have 0 items in your cart.", "welcome text: " + welcome);
  step("logged in: " + welcome);
  const sc = (await context.cookies(base)).find((c) => c.name === "astro-session");
  expect(sc && /^[0-9a-f-]{36}$/.test(sc.value), "a session cookie holding a UUID: " + JSON.stringify(sc));
  expect(sc.httpOnly && sc.sameSite === "Lax" && sc.path === "/", "cookie flags: " + JSON.stringify(sc));
  if (process.env.EXPECT_SECURE) {
    expect(String(sc.secure) === process.env.EXPECT_SECURE, "cookie Secure flag " + sc.secure + ", want " + process.env.EXPECT_SECURE);
  }
  // "Keep me signed in" makes the cookie outlive the browser, within the idle timeout (7 days).
  const days = (sc.expires - Date.now() / 1000) / 86400;
  expect(days > 6.9 && days <= 7, "a remembered login's cookie lasts the idle timeout, got " + days + " days");
  step("session cookie: HttpOnly, SameSite=Lax, Secure=" + sc.secure + ", persistent for " + days.toFixed(2) + " days");

  await page.goto(base + "/cart");
  expect((await page.textContent("#cart-title")).trim() === "Cart for alice", "cart title");
  await page.click("#add-tee");
  await page.waitForFunction(() => document.getElementById("cart-count").textContent.trim() === "1");
  await page.fill("form:has(#add-mug) input[name=quantity]", "2");
  await page.click("#add-mug");
  await page.waitForFunction(() => document.getElementById("cart-count").textContent.trim() === "3");
  const rows = await page.$$eval("#cart-items tbody tr", (trs) => trs.map((tr) => tr.dataset.product + "=" + tr.cells[1].textContent.trim()));
  expect(rows.join(",") === "tee=1,mug=2", "cart rows: " + rows.join(","));
  expect(new URL(page.url()).pathname === "/cart", "the actions ran without leaving the page");
  step("added to cart with the actions: " + rows.join(","));
  await page.screenshot({ path: join(shots, "cart.png"), fullPage: true });

  await page.goto(base + "/dashboard");
  welcome = (await page.textContent("#welcome")).trim();
  expect(welcome === "Welcome back, alice. You have 3 items in your cart.", "welcome text: " + welcome);
  step("dashboard: " + welcome);
  await page.screenshot({ path: join(shots, "dashboard.png"), fullPage: true });

  await page.goto(base + "/settings");
  await page.selectOption("#theme", "dark");
  await page.selectOption("#lang", "de");
  await Promise.all([page.waitForURL(base + "/settings?notice=saved"), page.click("#settings-form button[type=submit]")]);
  expect((await page.getAttribute("body", "class")) === "theme-dark", "dark theme applied");
  expect((await page.getAttribute("html", "lang")) === "de", "language applied");
  step("settings saved: dark theme, German");
  await page.screenshot({ path: join(shots, "settings-dark.png"), fullPage: true });

  await Promise.all([page.waitForURL(base + "/?notice=loggedout"), page.click("#logout")]);
  expect((await page.textContent(".notice")).trim() === "You are logged out.", "logout notice");
  const cookies = await context.cookies(base);
  expect(!cookies.some((c) => c.name === "astro-session"), "session cookie gone after logout: " + JSON.stringify(cookies));
  await page.goto(base + "/dashboard");
  expect(new URL(page.url()).pathname === "/login", "after logout /dashboard sends to /login");
  step("logged out; the cookie is gone and the guard applies again");
  await page.screenshot({ path: join(shots, "logged-out.png"), fullPage: true });

  expect(errors.length === 0, "no errors in the page: " + errors.join("; "));
  step("done");
} catch (e) {
  failed = true;
  console.error(e && e.stack ? e.stack : String(e));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
