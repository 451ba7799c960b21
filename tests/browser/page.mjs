// What a person sees on the public page, in headless Chromium: the county's
// bars, an indicator, the long-term effects, a search in the finder by keyboard, the English switch,
// no serious or critical axe-core violation, nothing blocked by a strict CSP.
// Run by tests/browser/run.sh (BASE, CHROMIUM, NODE_DEPS, OUT in the environment).
import { createRequire } from "node:module";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";

const { BASE, CHROMIUM, NODE_DEPS, OUT } = process.env;
const require = createRequire(join(NODE_DEPS, "node_modules", "/"));
const { chromium } = require("playwright-core");
const AXE = require.resolve("axe-core/axe.min.js");

const MUNICIPALITIES = [
  "Arboga", "Fagersta", "Hallstahammar", "Kungsör", "Köping",
  "Norberg", "Sala", "Skinnskatteberg", "Surahammar", "Västerås",
];
const CSP = "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const profile = mkdtempSync(join(tmpdir(), "page-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1280, height: 900 },
  locale: "sv-SE",
});

let failures = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failures += 1;
    console.log(`FAIL ${name}\n     ${String(e.message).split("\n").join("\n     ")}`);
  }
}

try {
  await context.addInitScript(() => {
    window.__blocked = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__blocked.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));

  async function axe(label) {
    // Evaluated through the DevTools protocol, which no Content-Security-Policy
    // blocks: the server's own policy forbids inline scripts, as it should.
    await page.evaluate(readFileSync(AXE, "utf8"));
    const result = await page.evaluate(() => window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    }));
    const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    for (const v of result.violations) {
      console.log(`     axe ${label}: ${v.impact} ${v.id} (${v.nodes.length}) ${v.help}`);
    }
    assert.equal(bad.length, 0, `${label}: ${bad.map((v) => v.id).join(", ")}`);
  }

  // The section's own markup must pass every axe rule, not only the
  // serious and critical ones the whole page is held to.
  async function axeNone(label, selector) {
    await page.evaluate(readFileSync(AXE, "utf8"));
    const result = await page.evaluate((sel) => window.axe.run({ include: [sel] }, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    }), selector);
    for (const v of result.violations) {
      console.log(`     axe ${label}: ${v.impact} ${v.id} (${v.nodes.length}) ${v.help}`);
    }
    assert.equal(result.violations.length, 0, `${label}: ${result.violations.map((v) => v.id).join(", ")}`);
  }

  await check("nothing is blocked by a strict Content-Security-Policy", async () => {
    // Serve the page under the strict policy another layer will add, and
    // record anything it blocks. (Undone afterwards: axe is injected inline.)
    await context.route(`${BASE}/**`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), "content-security-policy": CSP } });
    });
    for (const path of ["/", "/en/", "/?municipality=1980&child_age=4", "/kommun/1980", "/en/municipality/1980"]) {
      await page.goto(`${BASE}${path}`, { waitUntil: "load" });
      const blocked = await page.evaluate(() => window.__blocked);
      assert.deepEqual(blocked, [], path);
      assert.equal(await page.evaluate(() =>
        getComputedStyle(document.querySelector("header.site")).backgroundColor), "rgb(29, 79, 145)",
        "the stylesheet applies");
    }
    await context.unrouteAll({ behavior: "wait" });
  });

  const started = Date.now();
  const response = await page.goto(`${BASE}/`, { waitUntil: "load" });
  const loadMs = Date.now() - started;
  const html = await response.text();

  await check("the page is Swedish and names its English version", async () => {
    assert.equal(response.status(), 200);
    assert.equal(await page.getAttribute("html", "lang"), "sv");
    assert.equal(await page.locator('link[rel=alternate][hreflang=en]').count(), 1);
  });

  await check("the reach chart shows the ten municipalities' bars and the county line", async () => {
    const chart = page.locator("figure.chart").first();
    assert.equal(await chart.locator("svg.wide rect.bar").count(), 10);
    assert.ok(await chart.locator("svg.wide").isVisible());
    const labels = await chart.locator("svg.wide text.label").allTextContents();
    assert.deepEqual([...labels].sort(), [...MUNICIPALITIES].sort());
    assert.equal(await chart.locator("svg.wide line.reference").count(), 1);
    assert.ok(await chart.locator("svg.wide title").textContent());
    await chart.locator("summary").click();
    assert.equal(await chart.locator("tbody th[scope=row]").count(), 11, "ten rows and the county");
  });

  await check("an indicator is shown with its definition", async () => {
    const row = page.locator("table.indicators tbody tr", { hasText: "Räckvidd per 1 000 barn" }).first();
    await row.waitFor();
    assert.match(await row.locator(".ind-def").textContent(), /barn/);
    assert.match(await row.locator("td").first().textContent(), /\d/);
  });

  await check("the page says the data is synthetic", async () => {
    assert.match(await page.locator(".notice").textContent(), /exempeldata/);
  });

  await check("no serious or critical accessibility violation (Swedish)", () => axe("sv"));

  await check("the finder works by keyboard and lists sessions with calendar links", async () => {
    await page.goto(`${BASE}/`);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.className), "skip");
    await page.focus("#f-municipality");
    await page.selectOption("#f-municipality", "1980");
    await page.focus("#finder-h ~ form button[type=submit]");
    await Promise.all([page.waitForURL(/municipality=1980/), page.keyboard.press("Enter")]);
    const sessions = page.locator("li.session");
    assert.ok((await sessions.count()) > 0, "sessions found");
    const places = await sessions.locator("dd").allTextContents();
    assert.ok(places.some((t) => t.includes("Västerås")));
    const ics = await sessions.first().locator("a.ics").getAttribute("href");
    const calendar = await page.request.get(`${BASE}${ics}`);
    assert.equal(calendar.status(), 200);
    assert.match(await calendar.text(), /BEGIN:VEVENT/);
  });

  await check("no serious or critical accessibility violation (finder results)", () => axe("finder"));

  await check("the English switch leads to the English page", async () => {
    await page.goto(`${BASE}/`);
    await page.click('nav a[hreflang="en"]');
    await page.waitForURL(/\/en\/$/);
    assert.equal(await page.getAttribute("html", "lang"), "en");
    assert.match(await page.locator("h1").textContent(), /Parenting support/);
    assert.ok((await page.locator("text=Find a course").count()) > 0);
  });

  await check("no serious or critical accessibility violation (English)", () => axe("en"));

  await check("a municipality's name on the county page leads to its own page", async () => {
    await page.goto(`${BASE}/`);
    await page.locator('nav.municipalities a', { hasText: "Västerås" }).click();
    await page.waitForURL(/\/kommun\/1980/);
    assert.equal(await page.getAttribute("html", "lang"), "sv");
    assert.match(await page.locator("h1").textContent(), /Västerås/);
    // The trend: one bar per year, each with the county's tick.
    const chart = page.locator("figure.chart").first();
    const bars = await chart.locator("svg.wide rect.bar").count();
    assert.ok(bars >= 5, `${bars} bars`);
    assert.equal(await chart.locator("svg.wide line.compare").count(), bars);
    assert.ok((await page.locator("#pop-h").count()) === 1);
    assert.ok((await page.locator("#courses-h ~ ul.sessions li").count()) > 0, "upcoming courses");
  });

  await check("no serious or critical accessibility violation (municipality page)", () => axe("kommun"));

  await check("the municipality page in English", async () => {
    await page.goto(`${BASE}/en/municipality/1980`);
    assert.equal(await page.getAttribute("html", "lang"), "en");
    assert.match(await page.locator("h1").textContent(), /Parenting support in Västerås/);
  });

  await check("no serious or critical accessibility violation (municipality page, English)", () => axe("municipality"));

  await check("an unknown municipality is a page for people", async () => {
    const r = await page.goto(`${BASE}/kommun/9999`);
    assert.equal(r.status(), 404);
    assert.match(await page.locator("h1").textContent(), /Kommunen finns inte/);
  });

  await check("a parent finds courses on /hitta-stod by keyboard, without script", async () => {
    await page.goto(`${BASE}/`);
    await page.locator('header.site nav a', { hasText: "Hitta stöd" }).click();
    await page.waitForURL(/\/hitta-stod$/);
    await page.selectOption("#s-home", "1961");
    await page.selectOption("#s-age", "4");
    // A select does not submit on Enter; the button does, by keyboard too.
    await page.locator("form.finder button").press("Enter");
    await page.waitForURL(/municipality=1961/);
    assert.match(await page.locator("#results-h").textContent(), /Hallstahammar/);
    assert.ok((await page.locator("ul.sessions li").count()) > 0, "courses listed");
  });

  // Issue 26: the six long-term effects, each with its measure's trend
  // beside reach or why there is none, on the county and municipality pages.
  const LAST_YEAR = new Date().getUTCFullYear() - 1;
  for (const [path, none] of [["/", "Inget mått."], ["/en/", "No measure."],
    ["/kommun/1980", "Inget mått."], ["/en/municipality/1980", "No measure."]]) {
    await check(`the long-term effects section (${path})`, async () => {
      await page.goto(`${BASE}${path}?year=${LAST_YEAR}`);
      const section = page.locator('section[aria-labelledby="effects-h"]');
      assert.ok(await section.isVisible(), "the section is shown");
      assert.equal(await section.locator("table caption").count(), 1);
      const effects = await section.locator("tbody th[scope=row]").allTextContents();
      for (let n = 1; n <= 6; n += 1) {
        assert.ok(effects.some((t) => t.startsWith(`${n}. `)), `effect ${n} in ${effects}`);
      }
      assert.equal(await section.locator("tbody td", { hasText: none }).count(), 2, "effects 1 and 4 have none");
      assert.match(await section.textContent(), /SYNTHETIC DEMO DATA/);
      assert.match(await section.textContent(), /N15428/);
    });
    await check(`no accessibility violation at all in the long-term effects (${path})`,
      () => axeNone(`effects ${path}`, 'section[aria-labelledby="effects-h"]'));
  }

  // A course with its details filled (the demo fills most upcoming ones).
  const open = await (await fetch(`${BASE}/v1/sessions?status=open&limit=1000`)).json();
  const course = open.data.find((s) => s.schedule && s.venue && s.registration) ?? open.data[0];
  await check("a course page answers when, where and how to sign up", async () => {
    const r = await page.goto(`${BASE}/kurs/${course.id}`);
    assert.equal(r.status(), 200);
    assert.ok((await page.locator("ol.meetings li").count()) > 0, "meetings listed");
    assert.ok((await page.locator("dd a", { hasText: "Anmäl dig" }).count()) > 0, "a sign-up link");
  });

  for (const [width, label] of [[1280, "desktop"], [390, "phone"]]) {
    await page.setViewportSize({ width, height: 900 });
    for (const path of ["/hitta-stod?municipality=1961&child_age=4", "/en/find-support?municipality=1961&child_age=4", "/", "/program/triple-p", "/en/programme/abc", `/kurs/${course.id}`, `/en/course/${course.id}`, "/kommun/1980", "/en/municipality/1980"]) {
      await page.goto(`${BASE}${path}`);
      await check(`no serious or critical accessibility violation (${path}, ${label})`, () => axe(`${path} ${label}`));
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  await check("no script error", async () => {
    assert.deepEqual(errors, []);
  });

  // The interactive docs call the origin they were loaded from (servers: "/"),
  // under their own CSP: "Try it out" → "Execute" gets a real 200.
  await check("/docs: Try it out executes GET /v1/programmes and gets 200", async () => {
    await page.goto(`${BASE}/docs`, { waitUntil: "load" });
    const op = page.locator("#operations-Programmes-listProgrammes");
    await op.locator(".opblock-summary").first().click();
    await op.locator("button.try-out__btn").click();
    await op.locator("button.execute").click();
    const status = op.locator(".live-responses-table tr.response .response-col_status").first();
    await status.waitFor({ timeout: 20000 });
    assert.equal((await status.textContent()).trim(), "200");
  });

  await page.goto(`${BASE}/`);
  await page.screenshot({ path: join(OUT, "page.png"), fullPage: true });
  // The first screen, as the README shows it.
  await page.setViewportSize({ width: 1280, height: 1500 });
  await page.screenshot({ path: join(OUT, "page-top.png") });
  await page.goto(`${BASE}/?municipality=1980#finder-h`);
  await page.screenshot({ path: join(OUT, "page-finder.png") });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(OUT, "page-phone.png"), fullPage: true });
  console.log(`     page: ${html.length} bytes of HTML, loaded in ${loadMs} ms (first, uncached)`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

if (failures > 0) {
  console.error(`${failures} browser check(s) failed`);
  process.exit(1);
}
