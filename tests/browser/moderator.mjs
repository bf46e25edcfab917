// A visitor signs up and a moderator handles the community in Debian's Chromium (run by
// tests/browser.rs): the sign-up form (approval mode), the pending page; the moderator
// approves the sign-up from the queue, finds a report with its post, and acts on it; the
// new member then signs in. axe-core on each page; screenshots go to $SHOTS.
//
// Env: PINHOLE_URL, MODERATOR and PASSWORD (a moderator), NEWCOMER (a username to sign up
// with), REPORTED (the reported account), SHOTS.
import { axe, check, env, finish, launch, shots } from "./common.mjs";

const base = env("PINHOLE_URL");
const newcomer = env("NEWCOMER");
const reported = env("REPORTED");
const browser = await launch();

async function submit(page, selector = "form.stack button[type=submit]") {
  await Promise.all([page.waitForLoadState("load"), page.click(selector)]);
}

// A visitor signs up.
{
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${base}/`);
  await Promise.all([page.waitForLoadState("load"), page.click("main a[href$='/auth/sign_up']")]);
  check(page.url().endsWith("/auth/sign_up"), "the start page leads to sign-up");
  await axe(page, "sign-up form");
  await page.fill("#username", newcomer);
  await page.fill("#email", `${newcomer}@example.org`);
  await page.fill("#password", "a long password");
  await page.fill("#password_confirmation", "a long password");
  await page.fill("#reason", "I photograph lichens");
  await page.check("#agreement");
  await submit(page);
  const h1 = await page.textContent("h1");
  check(/Thanks for signing up/.test(h1 || ""), `the sign-up waits for a moderator (${h1})`);
  await page.screenshot({ path: `${shots}/sign-up-pending.png`, fullPage: true });
  await axe(page, "sign-up pending");
}

// The moderator.
{
  const page = await (await browser.newContext({ viewport: { width: 1000, height: 900 } })).newPage();
  await page.goto(`${base}/login`);
  await page.fill("#username", env("MODERATOR"));
  await page.fill("#password", env("PASSWORD"));
  await submit(page);
  await Promise.all([page.waitForLoadState("load"), page.click("nav a[href$='/admin/accounts']")]);
  const queue = await page.textContent("ul.queue");
  check(queue.includes(`@${newcomer}`) && queue.includes("I photograph lichens"), "the queue shows the sign-up and its reason");
  await page.screenshot({ path: `${shots}/moderation-queue.png`, fullPage: true });
  await axe(page, "moderation queue");
  await submit(page, "li.pending form[action$='/approve'] button");
  const after = await page.textContent("main");
  check(after.includes("Nobody is waiting."), "approved: the queue is empty");

  await page.goto(`${base}/admin/reports`);
  const report = await page.textContent("article.report");
  check(report.includes("Buy followers now") && report.includes("Spam"), "the report shows its post and comment");
  await page.screenshot({ path: `${shots}/reports.png`, fullPage: true });
  await axe(page, "reports");
  await Promise.all([page.waitForLoadState("load"), page.click("article.report a.button")]);
  await page.check("input[name=type][value=silence]");
  await page.fill("#text", "Please stop advertising.");
  await submit(page);
  const state = await page.textContent("main p");
  check(/state: limited/.test(state || ""), `the account is limited (${state})`);
  await axe(page, "account page");
  await page.goto(`${base}/admin/reports`);
  check((await page.textContent("main")).includes("Nothing here."), "acting settled the report");
  await page.goto(`${base}/admin/action_logs`);
  const log = await page.textContent("table");
  check(log.includes("silence") && log.includes(reported) && log.includes("approve"), "the audit log has both");
  await axe(page, "audit log");
}

// The newcomer signs in.
{
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${base}/login`);
  await page.fill("#username", newcomer);
  await page.fill("#password", "a long password");
  await submit(page);
  check(page.url().endsWith("/home"), `the approved newcomer signs in (${page.url()})`);
}

await browser.close();
finish();
