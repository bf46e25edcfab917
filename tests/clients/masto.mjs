// masto.js (npm, v7) against a live Pinhole: verify_credentials, post a status with a photo,
// read the home timeline. Run by tests/clients.rs with PINHOLE_URL, TOKEN and PHOTO set.
import { readFile } from "node:fs/promises";
import { createRestAPIClient } from "masto";

function check(cond, what) {
  if (!cond) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
  console.log(`ok: ${what}`);
}

const masto = createRestAPIClient({ url: process.env.PINHOLE_URL, accessToken: process.env.TOKEN });
try {
  const me = await masto.v1.accounts.verifyCredentials();
  check(me.username === "alice", "verifyCredentials");
  const bytes = await readFile(process.env.PHOTO);
  const media = await masto.v2.media.create({
    file: new Blob([bytes], { type: "image/jpeg" }),
    description: "A lighthouse at dusk",
  });
  check(media.type === "image" && media.description === "A lighthouse at dusk", "media upload");
  const status = await masto.v1.statuses.create({
    status: "Posted from masto.js #lighthouse",
    mediaIds: [media.id],
    visibility: "public",
  });
  check(status.mediaAttachments.length === 1, "status with a photo");
  check(status.tags.some((t) => t.name === "lighthouse"), "hashtag parsed");
  const home = await masto.v1.timelines.home.list({ limit: 20 });
  const found = home.find((s) => s.id === status.id);
  check(found !== undefined, "the post is in the home timeline");
  check(found.mediaAttachments[0].description === "A lighthouse at dusk", "alt text in the timeline");
  console.log("all masto.js checks passed");
} catch (e) {
  console.error(`FAILED: ${e?.stack ?? e}`);
  process.exit(1);
}
