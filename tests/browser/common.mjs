// What the browser scenarios share: settings from the environment, the list of checks,
// Chromium, and axe-core.
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** An environment variable the test must set. */
export function env(k) {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
}

export const shots = env("SHOTS");
mkdirSync(shots, { recursive: true });

const failures = [];

/** Records one check and prints it. */
export function check(ok, what) {
  if (!ok) failures.push(what);
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
}

/** Debian's Chromium, headless. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/** axe-core on the page: no serious or critical violation. */
export async function axe(page, what) {
  await page.evaluate(axeSource);
  // eslint-disable-next-line no-undef
  const result = await page.evaluate(() => axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(
    bad.length === 0,
    `${what}: axe finds no serious or critical violation ${bad
      .map((v) => `[${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join("; ")}]`)
      .join(" ")}`,
  );
}

/** Exits 1 naming every failed check, or says all passed. */
export function finish() {
  if (failures.length) {
    console.error(`${failures.length} browser check(s) failed:\n- ${failures.join("\n- ")}`);
    process.exit(1);
  }
  console.log("all browser checks passed");
}
