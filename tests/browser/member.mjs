// A member in Debian's Chromium (run by tests/browser.rs): a wrong password is refused
// clearly; signing in; composing a 3-photo post with alt texts, a focal point and a content
// warning from the browser (previews shown before posting); the post on the profile; a
// followers-only post hidden from a visitor and shown to the signed-in follower; a form
// posted without its token refused; axe-core on the signed-in pages. Screenshots go to $SHOTS.
//
// Env: PINHOLE_URL, NAME and PASSWORD (the author), FOLLOWER and FOLLOWER_PASSWORD (a local
// follower), SECRET_ID (the author's followers-only post), PHOTOS (JSON list of 3 paths),
// ALTS (JSON list of 3 alt texts), SHOTS. Prints `POSTED <path>` for the test to check.
import { axe, check, env, finish, launch, shots } from "./common.mjs";

const base = env("PINHOLE_URL");
const name = env("NAME");
const photos = JSON.parse(env("PHOTOS"));
const alts = JSON.parse(env("ALTS"));
const secretPath = `/@${name}/${env("SECRET_ID")}`;

async function signIn(page, user, password) {
  await page.goto(`${base}/login`);
  await page.fill("#username", user);
  await page.fill("#password", password);
  await Promise.all([page.waitForLoadState("load"), page.click("form.stack button[type=submit]")]);
}

const browser = await launch();

// The author.
{
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && !/\b40[13]\b/.test(m.text()) && errors.push(m.text()));

  await signIn(page, name, "not-the-password");
  check(page.url().endsWith("/login"), "a wrong password stays on the sign-in page");
  const alert = await page.textContent("[role=alert]").catch(() => "");
  check(/Invalid username or password/.test(alert || ""), `it says why (${alert})`);
  await page.screenshot({ path: `${shots}/sign-in-refused.png`, fullPage: true });
  await axe(page, "sign-in");

  await signIn(page, name, env("PASSWORD"));
  check(page.url().endsWith("/home"), `signing in lands on home (${page.url()})`);
  await axe(page, "home");

  await page.goto(`${base}/compose`);
  for (let i = 0; i < 3; i++) {
    await page.setInputFiles(`#photo_${i + 1}`, photos[i]);
    await page.fill(`#alt_${i + 1}`, alts[i]);
  }
  await page.waitForFunction(() => document.querySelectorAll("img.preview:not([hidden])").length === 3);
  check(true, "each chosen photo is previewed before posting");
  // A click on the first preview sets its focal point.
  const preview = page.locator("#photo_1 ~ img.preview");
  const box = await preview.boundingBox();
  await preview.click({ position: { x: box.width * 0.75, y: box.height * 0.25 } });
  const focus = await page.inputValue("#focus_1");
  check(focus === "0.50,0.50", `a click on the preview sets the focal point (${focus})`);
  await page.fill("#status", "Three from the #dunes, posted from a browser");
  await page.fill("#spoiler_text", "Very bright");
  await page.screenshot({ path: `${shots}/compose.png`, fullPage: true });
  await axe(page, "compose");
  await Promise.all([page.waitForURL(/\/@[^/]+\/\d+$/), page.click("form.compose button[type=submit]")]);
  const posted = new URL(page.url()).pathname;
  console.log(`POSTED ${posted}`);
  check(await page.isVisible("details.cw > summary"), "the post page shows the content warning");
  await page.click("details.cw > summary");
  const shownAlts = await page.$$eval(".slides img", (imgs) => imgs.map((i) => i.alt));
  check(JSON.stringify(shownAlts) === JSON.stringify(alts), `every alt text kept (${JSON.stringify(shownAlts)})`);
  await page.screenshot({ path: `${shots}/posted.png`, fullPage: true });
  await axe(page, "own post");

  await page.goto(`${base}/@${name}`);
  check((await page.$$(`a.tile[href$="${posted}"]`)).length === 1, "the new post is on the profile");
  await page.screenshot({ path: `${shots}/own-profile.png`, fullPage: true });
  for (const [path, file] of [
    ["/settings", "settings"],
    ["/notifications", "notifications"],
    ["/search", "search"],
  ]) {
    await page.goto(`${base}${path}`);
    await page.screenshot({ path: `${shots}/${file}.png`, fullPage: true });
    await axe(page, path);
  }

  check(errors.length === 0, `no script errors (${errors.join(" | ")})`);

  // A form posted without its token: refused, nothing done.
  const status = await page.evaluate(async (base) => {
    const body = new URLSearchParams({ back: "/home" });
    const res = await fetch(`${base}/logout`, { method: "POST", body, redirect: "manual" });
    return res.status;
  }, base);
  check(status === 403, `a form without its token is refused (${status})`);
  await page.goto(`${base}/home`);
  check(page.url().endsWith("/home"), "and the session is still there");
  await context.close();
}

// A visitor and the signed-in follower, on a followers-only post.
{
  const visitor = await browser.newContext();
  const page = await visitor.newPage();
  const res = await page.goto(`${base}${secretPath}`);
  check(res.status() === 404, `a visitor gets no followers-only post (${res.status()})`);
  await visitor.close();

  const follower = await browser.newContext();
  const fpage = await follower.newPage();
  await signIn(fpage, env("FOLLOWER"), env("FOLLOWER_PASSWORD"));
  const res2 = await fpage.goto(`${base}${secretPath}`);
  check(res2.status() === 200, `the signed-in follower sees it (${res2.status()})`);
  await fpage.screenshot({ path: `${shots}/followers-only.png`, fullPage: true });
  await follower.close();
}

await browser.close();
finish();
