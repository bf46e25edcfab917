// A visitor in Debian's Chromium, driven by playwright-core (run by tests/browser.rs):
// the profile grid, a post page and its carousel by keyboard, alt text on every image,
// a content warning clicked through, the same pages with JavaScript off, and axe-core on
// every page (no serious or critical violation). Screenshots go to $SHOTS.
//
// Env: PINHOLE_URL (public URL), NAME, POST_ID (a 3-photo album), CW_ID (a post behind a
// content warning), TAG, ALTS (JSON list of the album's alt texts), SHOTS (a directory).
import { axe, check, env, finish, launch, shots } from "./common.mjs";

const base = env("PINHOLE_URL");
const name = env("NAME");
const postPath = `/@${name}/${env("POST_ID")}`;
const cwPath = `/@${name}/${env("CW_ID")}`;
const alts = JSON.parse(env("ALTS"));

const browser = await launch();

async function open(context, path, errors) {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${path}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`${path}: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) errors.push(`${path}: ${r.status()} for ${r.url()}`);
  });
  const res = await page.goto(base + path, { waitUntil: "load" });
  check(res && res.status() === 200, `${path} answers 200 (got ${res && res.status()})`);
  return page;
}

/** Every image a person sees has an alt attribute (placeholders are hidden from readers). */
async function allImagesLabelled(page, path) {
  const missing = await page.$$eval("img", (imgs) =>
    imgs
      .filter((i) => i.getAttribute("aria-hidden") !== "true" && i.getAttribute("alt") === null)
      .map((i) => i.src),
  );
  check(missing.length === 0, `${path}: every image has alt (${missing.join(", ")})`);
}

const shot = (page, file) => page.screenshot({ path: `${shots}/${file}.png`, fullPage: true });

// With JavaScript on.
{
  const errors = [];
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const profile = await open(context, `/@${name}`, errors);
  const tiles = await profile.$$("ul.grid a.tile");
  check(tiles.length >= 2, `the profile shows a photo grid (${tiles.length} tiles)`);
  await allImagesLabelled(profile, "profile");
  await shot(profile, "profile");
  await axe(profile, "profile");

  // Open the album from the grid.
  await Promise.all([profile.waitForURL(`**${postPath}`), profile.click(`a.tile[href$="${postPath}"]`)]);
  check(profile.url().endsWith(postPath), `a tile opens the post page (${profile.url()})`);
  const shownAlts = await profile.$$eval(".slides img", (imgs) => imgs.map((i) => i.alt));
  check(
    JSON.stringify(shownAlts) === JSON.stringify(alts),
    `every photo carries its alt text (${JSON.stringify(shownAlts)})`,
  );
  const current = () => profile.$eval("ol.dots a[aria-current]", (a) => a.getAttribute("href"));
  check((await current()).endsWith("-1"), "the first dot is current");
  check(await profile.$eval(".carousel .next", (b) => !b.hidden), "the script shows the next button");
  await profile.focus(".slides");
  await profile.keyboard.press("ArrowRight");
  await profile.waitForFunction(() =>
    document.querySelector("ol.dots a[aria-current]")?.getAttribute("href").endsWith("-2"),
  );
  check((await current()).endsWith("-2"), "ArrowRight moves to the second photo");
  await profile.keyboard.press("ArrowRight");
  await profile.waitForFunction(() =>
    document.querySelector("ol.dots a[aria-current]")?.getAttribute("href").endsWith("-3"),
  );
  check(await profile.$eval(".carousel .next", (b) => b.hidden), "no next button on the last photo");
  await profile.keyboard.press("ArrowLeft");
  await profile.waitForFunction(() =>
    document.querySelector("ol.dots a[aria-current]")?.getAttribute("href").endsWith("-2"),
  );
  check(true, "ArrowLeft moves back");
  // Alt text on demand.
  await profile.click(".slides li:nth-child(2) details.alt summary");
  check(
    await profile.$eval(".slides li:nth-child(2) details.alt", (d) => d.open),
    "the alt text opens on demand",
  );
  await allImagesLabelled(profile, "post");
  await profile.waitForTimeout(600); // let the scroll settle before the picture
  await shot(profile, "post");
  await axe(profile, "post");

  // A content warning: hidden until clicked.
  const cw = await open(context, cwPath, errors);
  check(!(await cw.$eval("details.cw", (d) => d.open)), "a content warning starts closed");
  check(!(await cw.isVisible(".slides img")), "its photo is hidden");
  await cw.click("details.cw > summary");
  check(await cw.isVisible(".slides img"), "clicking the warning shows the photo");
  await shot(cw, "content-warning");
  await axe(cw, "content warning");

  for (const [path, file] of [
    ["/", "home"],
    [`/tags/${env("TAG")}`, "hashtag"],
    ["/explore", "explore"],
    ["/about", "about"],
    [`/@${name}?tab=notes`, "notes"],
  ]) {
    const page = await open(context, path, errors);
    await allImagesLabelled(page, path);
    await shot(page, file);
    await axe(page, path);
  }
  check(errors.length === 0, `no script errors or policy violations (${errors.join(" | ")})`);
  await context.close();
}

// With JavaScript off: the same pages show everything.
{
  const errors = [];
  const context = await browser.newContext({ javaScriptEnabled: false });
  const profile = await open(context, `/@${name}`, errors);
  check((await profile.$$("ul.grid a.tile img:not(.ph)")).length >= 2, "no-JS: the grid shows photos");
  const post = await open(context, postPath, errors);
  const shownAlts = await post.$$eval(".slides img", (imgs) => imgs.map((i) => i.alt));
  check(JSON.stringify(shownAlts) === JSON.stringify(alts), "no-JS: every photo and its alt");
  check((await post.$$("ol.dots a")).length === alts.length, "no-JS: a dot links to each photo");
  check(await post.$eval(".carousel .next", (b) => b.hidden), "no-JS: no button that would do nothing");
  await post.click("ol.dots li:nth-child(3) a");
  check(post.url().endsWith("-3"), "no-JS: a dot goes to its photo");
  await shot(post, "post-nojs");
  const cw = await open(context, cwPath, errors);
  await cw.click("details.cw > summary");
  check(await cw.isVisible(".slides img"), "no-JS: the content warning opens");
  await context.close();
}

await browser.close();
finish();
