// An independent ActivityPub peer built on Fedify, for Pinhole's federation interop tests.
//
//   PORT=12345 node tests/interop/peer.mjs
//
// Serves one actor, `fedi`, at http://localhost:PORT/users/fedi, the notes it posted at
// /notes/{id}, a small PNG at /media/pic.png, plus plain-JSON control endpoints under
// /control/ for the test harness (see README.md). Listens on 127.0.0.1 only and refuses to
// fetch anything outside the loopback range.

import { AsyncLocalStorage } from "node:async_hooks";
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { inspect } from "node:util";
import {
  Accept,
  Announce,
  Create,
  createFederation,
  Delete,
  Document,
  Endpoints,
  Follow,
  generateCryptoKeyPair,
  getDocumentLoader,
  isActor,
  Like,
  Link,
  MemoryKvStore,
  Mention,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Reject,
  Undo,
  Update,
} from "@fedify/fedify";
// Fedify's own Temporal polyfill (a pinned dependency of @fedify/fedify in package-lock.json).
import { Temporal } from "@js-temporal/polyfill";
import { configure, defaultTextFormatter, getLevelFilter, withFilter } from "@logtape/logtape";

const PORT = Number.parseInt(process.env.PORT ?? "", 10);
if (!Number.isInteger(PORT) || PORT <= 0 || PORT > 65535) {
  process.stderr.write("peer: set PORT to the port to listen on\n");
  process.exit(2);
}
const BASE = `http://localhost:${PORT}`;
const USERNAME = "fedi";
// Fedify's own log level on stderr (debug shows every signature check in detail).
const LOG_LEVEL = process.env.PEER_LOG_LEVEL ?? "info";

// ---------------------------------------------------------------------------------------------
// State the harness reads through GET /control/state.

const state = {
  followsReceived: [], // { id, actor, object }
  acceptsReceived: [], // { id, actor, object }  (object = the accepted Follow's id)
  rejectsReceived: [], // { id, actor, object }
  undosReceived: [], //   { id, actor, object, objectType, raw }  (object = the undone activity's id)
  createsReceived: [], // { id, actor, object: <post summary, see summarizePost>, raw }
  updatesReceived: [], // { id, actor, object: <post summary>, raw }
  deletesReceived: [], // { id, actor, object, objectType, raw }  (object = the deleted object's id)
  likesReceived: [], //   { id, actor, object, raw }
  announcesReceived: [], // { id, actor, object, to, cc, raw }
  followsSent: [], //     { id, target, inbox }
  acceptsSent: [], //     { id, follow, to, inbox }
  notesSent: [], //       { id, activity, to, inbox }   (id = Note id, activity = Create id)
  likesSent: [], //       { id, object, to, inbox }
  announcesSent: [], //   { id, object, to, inbox }
  undosSent: [], //       { id, object, type, to, inbox }  (object = the undone Like/Announce id)
  followers: [], //       actor URIs with an accepted Follow (removed by Undo of a Follow)
  errors: [], //          { time, category, message }
};
const followerRecipients = new Map(); // actor URI -> { id, inboxId, endpoints }
const notes = new Map(); // uuid -> Note served at /notes/{uuid}
const sentActivities = new Map(); // Like/Announce id -> { activity, recipient }, for /control/undo

function recordError(category, message) {
  state.errors.push({ time: new Date().toISOString(), category, message });
  process.stderr.write(`peer: ERROR [${category}] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Logging: Fedify logs through LogTape. Everything at LOG_LEVEL and above goes to stderr;
// errors (e.g. "Failed to verify the request's HTTP Signatures.") and the debug-level reasons
// a signature or key check failed also go into state.errors, so a test can show why.

function renderMessage(record) {
  return record.message
    .map((part, i) => (i % 2 === 0 ? part : typeof part === "string" ? part : inspect(part, { depth: 4, breakLength: Infinity })))
    .join("");
}

const writeStderr = (record) => process.stderr.write(defaultTextFormatter(record));
const captureSink = (record) => {
  const text = renderMessage(record);
  const isError = record.level === "error" || record.level === "fatal";
  const isVerifyFailure = record.category[1] === "sig" && /^Failed to verify/.test(text);
  if (isError || isVerifyFailure) {
    state.errors.push({ time: new Date().toISOString(), category: record.category.join("."), message: text });
    // Debug-level failures are not on stderr unless PEER_LOG_LEVEL=debug; show them anyway.
    if (!isError && LOG_LEVEL !== "debug") writeStderr(record);
  }
};

await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { stderr: withFilter(writeStderr, getLevelFilter(LOG_LEVEL)), capture: captureSink },
  loggers: [
    { category: "fedify", lowestLevel: "debug", sinks: ["stderr", "capture"] },
    { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
  ],
});

// ---------------------------------------------------------------------------------------------
// Loopback only: every outgoing request (document loads, WebFinger, deliveries) goes through
// the global fetch, which refuses any host outside 127.0.0.0/8 and ::1.

const realFetch = globalThis.fetch;
function isLoopbackHost(hostname) {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
globalThis.fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (!isLoopbackHost(url.hostname)) {
    const msg = `refusing to fetch non-loopback URL ${url.href}`;
    recordError("peer.fetch", msg);
    throw new TypeError(msg);
  }
  return realFetch(input, init);
};

// ---------------------------------------------------------------------------------------------
// The federation.

const keyPair = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");

const federation = createFederation({
  kv: new MemoryKvStore(),
  // Fedify refuses localhost/private addresses unless this is set.
  allowPrivateAddress: true,
  // No cache for remote documents (the default caches them for 5 minutes), so a restarted
  // Pinhole with fresh keys is seen at once. Preloaded contexts (AS2, security/v1, ...) are
  // still served from memory, never fetched.
  documentLoaderFactory: (opts) => getDocumentLoader({ ...opts, allowPrivateAddress: true }),
  // No message queue: sendActivity delivers immediately and throws if delivery fails.
  // HTTP signatures on incoming activities are verified (skipSignatureVerification: false).
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== USERNAME) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fedify interop peer",
      summary: "Test actor for Pinhole's interop tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      manuallyApprovesFollowers: false,
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
    });
  })
  .mapHandle((_ctx, username) => (username === USERNAME ? USERNAME : null))
  .setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === USERNAME ? [keyPair] : []));

federation
  .setFollowersDispatcher("/users/{identifier}/followers", async (_ctx, identifier) => {
    if (identifier !== USERNAME) return null;
    return { items: [...followerRecipients.values()] };
  })
  .setCounter((_ctx, identifier) => (identifier === USERNAME ? followerRecipients.size : null));

federation.setObjectDispatcher(Note, "/notes/{id}", (_ctx, { id }) => notes.get(id) ?? null);

const href = (u) => (u == null ? null : u.href ?? String(u));
// A URL, a Link (whose href is a URL) or a string, as a string.
const urlString = (u) =>
  u == null ? null : u instanceof URL ? u.href : u instanceof Link ? href(u.href) : href(u);
const text = (v) => (v == null ? null : String(v)); // string | LanguageString
// Short type name of a Fedify vocabulary instance: Note, Document, Mention, Hashtag, Emoji…
const typeName = (o) => {
  const id = o?.constructor?.typeId?.href;
  return id == null ? null : id.slice(Math.max(id.lastIndexOf("#"), id.lastIndexOf("/")) + 1);
};
const asArray = (v) => (v == null ? [] : Array.isArray(v) ? v : [v]);

// Raw JSON of the inbox request being handled (the server passes it as Fedify's contextData).
const rawOf = (ctx) => ctx.data?.raw ?? null;
// The raw (compacted, as sent) embedded object of an activity, or null if only a URI was sent.
const rawObjectOf = (raw) => {
  const o = raw?.object;
  return o != null && typeof o === "object" && !Array.isArray(o) ? o : null;
};
// A compacted property, whatever prefix the sender's @context gave it.
const rawProp = (o, name, ns) => o?.[name] ?? o?.[`toot:${name}`] ?? o?.[`${ns}${name}`] ?? null;
const rawUrl = (a) => {
  const u = Array.isArray(a?.url) ? a.url[0] : a?.url;
  return typeof u === "string" ? u : u?.href ?? null;
};

// What the harness gets for a received Note (or any object) in a Create/Update.
async function summarizePost(ctx, activity, raw) {
  const object = await activity.getObject(ctx);
  if (object == null) return { id: href(activity.objectId), type: null };
  const rawObject = rawObjectOf(raw);
  const rawAttachments = asArray(rawObject?.attachment);
  const attachments = [];
  let i = 0;
  for await (const a of object.getAttachments(ctx)) {
    const url = urlString(a.url ?? null);
    const r = rawAttachments.find((x) => x != null && rawUrl(x) === url) ?? rawAttachments[i] ?? null;
    let focalPoint = rawProp(r, "focalPoint", "http://joinmastodon.org/ns#");
    if (focalPoint != null && !Array.isArray(focalPoint)) focalPoint = focalPoint["@list"] ?? focalPoint;
    attachments.push({
      type: typeName(a),
      mediaType: a.mediaType ?? null,
      url,
      name: text(a.name ?? null),
      blurhash: rawProp(r, "blurhash", "http://joinmastodon.org/ns#"),
      width: a.width ?? null,
      height: a.height ?? null,
      focalPoint,
    });
    i++;
  }
  const tags = [];
  for await (const t of object.getTags(ctx)) {
    tags.push({ type: typeName(t), href: urlString(t instanceof Link ? t.href : t.id), name: text(t.name ?? null) });
  }
  return {
    id: href(object.id),
    type: typeName(object),
    attributedTo: href(object.attributionId ?? null),
    content: text(object.content ?? null),
    summary: text(object.summary ?? null),
    sensitive: object.sensitive ?? null,
    inReplyTo: href(object.replyTargetId ?? null),
    published: object.published?.toString() ?? null,
    updated: object.updated?.toString() ?? null,
    to: object.toIds.map(href),
    cc: object.ccIds.map(href),
    url: urlString(object.url ?? null),
    attachments,
    tags,
  };
}

async function recordPost(ctx, activity, list, kind) {
  const raw = rawOf(ctx);
  const entry = { id: href(activity.id), actor: href(activity.actorId), object: null, raw };
  try {
    entry.object = await summarizePost(ctx, activity, raw);
  } catch (e) {
    entry.object = { id: href(activity.objectId), type: null };
    recordError("peer.inbox", `${kind} ${entry.id}: could not read its object: ${e?.stack ?? e}`);
  }
  list.push(entry);
  process.stderr.write(`peer: ${kind} received ${entry.id} of ${entry.object.id} from ${entry.actor}\n`);
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    const entry = { id: href(follow.id), actor: href(follow.actorId), object: href(follow.objectId) };
    state.followsReceived.push(entry);
    process.stderr.write(`peer: Follow received ${JSON.stringify(entry)}\n`);
    if (follow.id == null || follow.actorId == null || follow.objectId == null) {
      recordError("peer.inbox", `Follow without id/actor/object: ${JSON.stringify(entry)}`);
      return;
    }
    const parsed = ctx.parseUri(follow.objectId);
    if (parsed?.type !== "actor" || parsed.identifier !== USERNAME) {
      recordError("peer.inbox", `Follow of an unknown object ${entry.object}`);
      return;
    }
    // Answer after this inbox request has been answered (as a queued server would), so the
    // sender never has to serve our Accept while it is still waiting on its Follow delivery.
    setTimeout(() => {
      sendAccept(ctx, follow, entry).catch((e) => recordError("peer.accept", String(e?.stack ?? e)));
    }, 0);
  })
  .on(Accept, async (_ctx, accept) => {
    const entry = { id: href(accept.id), actor: href(accept.actorId), object: href(accept.objectId) };
    state.acceptsReceived.push(entry);
    process.stderr.write(`peer: Accept received ${JSON.stringify(entry)}\n`);
  })
  .on(Reject, async (_ctx, reject) => {
    const entry = { id: href(reject.id), actor: href(reject.actorId), object: href(reject.objectId) };
    state.rejectsReceived.push(entry);
    process.stderr.write(`peer: Reject received ${JSON.stringify(entry)}\n`);
  })
  .on(Undo, async (ctx, undo) => {
    const raw = rawOf(ctx);
    const entry = {
      id: href(undo.id),
      actor: href(undo.actorId),
      object: href(undo.objectId),
      objectType: rawObjectOf(raw)?.type ?? null,
      raw,
    };
    state.undosReceived.push(entry);
    const { raw: _raw, ...brief } = entry;
    process.stderr.write(`peer: Undo received ${JSON.stringify(brief)}\n`);
    // Only an Undo of a Follow drops the follower (not one of a Like or an Announce). An Undo
    // naming its object by id only counts as an unfollow unless that id is a known Like/Announce.
    const isUnfollow =
      entry.objectType != null
        ? entry.objectType === "Follow"
        : ![...state.likesReceived, ...state.announcesReceived].some((a) => a.id === entry.object);
    if (entry.actor != null && isUnfollow) {
      followerRecipients.delete(entry.actor);
      state.followers = state.followers.filter((a) => a !== entry.actor);
    }
  })
  .on(Create, async (ctx, create) => recordPost(ctx, create, state.createsReceived, "Create"))
  .on(Update, async (ctx, update) => recordPost(ctx, update, state.updatesReceived, "Update"))
  .on(Delete, async (ctx, del) => {
    const raw = rawOf(ctx);
    const entry = {
      id: href(del.id),
      actor: href(del.actorId),
      object: href(del.objectId),
      objectType: rawObjectOf(raw)?.type ?? null,
      raw,
    };
    state.deletesReceived.push(entry);
    process.stderr.write(`peer: Delete received ${entry.id} of ${entry.object} from ${entry.actor}\n`);
  })
  .on(Like, async (ctx, like) => {
    const entry = { id: href(like.id), actor: href(like.actorId), object: href(like.objectId), raw: rawOf(ctx) };
    state.likesReceived.push(entry);
    process.stderr.write(`peer: Like received ${entry.id} of ${entry.object} from ${entry.actor}\n`);
  })
  .on(Announce, async (ctx, announce) => {
    const entry = {
      id: href(announce.id),
      actor: href(announce.actorId),
      object: href(announce.objectId),
      to: announce.toIds.map(href),
      cc: announce.ccIds.map(href),
      raw: rawOf(ctx),
    };
    state.announcesReceived.push(entry);
    process.stderr.write(`peer: Announce received ${entry.id} of ${entry.object} from ${entry.actor}\n`);
  })
  .onError(async (_ctx, error) => {
    recordError("peer.inbox", String(error?.stack ?? error));
  });

async function sendAccept(ctx, follow, entry) {
  const follower = await follow.getActor(ctx);
  if (follower == null || !isActor(follower)) {
    throw new Error(`could not fetch the follower ${entry.actor}`);
  }
  if (follower.id?.href !== entry.actor) {
    throw new Error(`follower document id ${href(follower.id)} != Follow actor ${entry.actor}`);
  }
  const accept = new Accept({
    id: new URL(`/activities/${randomUUID()}`, ctx.origin),
    actor: ctx.getActorUri(USERNAME),
    to: follower.id,
    object: follow,
  });
  await ctx.sendActivity({ identifier: USERNAME }, follower, accept);
  state.acceptsSent.push({ id: accept.id.href, follow: entry.id, to: entry.actor, inbox: href(follower.inboxId) });
  followerRecipients.set(entry.actor, { id: follower.id, inboxId: follower.inboxId, endpoints: follower.endpoints });
  if (!state.followers.includes(entry.actor)) state.followers.push(entry.actor);
  process.stderr.write(`peer: Accept ${accept.id.href} delivered to ${href(follower.inboxId)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Control endpoints (plain JSON, not ActivityPub).

const json = (status, body) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

async function readBody(request, shape) {
  try {
    const body = await request.json();
    if (body == null || typeof body !== "object" || Array.isArray(body)) throw new Error();
    return { body };
  } catch {
    return { error: `body must be a JSON object: ${shape}` };
  }
}

// A required URL-valued field of a control request body.
function urlField(body, name) {
  if (typeof body?.[name] !== "string") return { error: `missing "${name}"` };
  try {
    return { url: new URL(body[name]) };
  } catch {
    return { error: `"${name}" is not a URL: ${body[name]}` };
  }
}

async function readTarget(request) {
  const { body, error } = await readBody(request, '{"target": "<actor URI>"}');
  if (error) return { error };
  const { url, error: e } = urlField(body, "target");
  return e ? { error: e } : { target: url };
}

async function lookupActor(ctx, target) {
  const actor = await ctx.lookupObject(target);
  if (actor == null || !isActor(actor) || actor.id == null || actor.inboxId == null) {
    // lookupObject swallows the reason; fetch once more to report it.
    let reason = actor == null ? "no document" : `a ${actor.constructor.name} without id/inbox`;
    if (actor == null) {
      try {
        await ctx.documentLoader(target.href);
      } catch (e) {
        reason = String(e?.cause ?? e?.message ?? e);
        if (e?.cause == null && e?.message) reason = e.message;
      }
    }
    throw new Error(`${target.href} did not resolve to an actor with an id and an inbox (${reason})`);
  }
  return actor;
}

// Addressing of a post by the peer, Mastodon-style, for each "visibility".
function addressing(visibility, followers, target) {
  switch (visibility) {
    case "public":
      return { tos: [PUBLIC_COLLECTION], ccs: [followers, target] };
    case "unlisted":
      return { tos: [followers], ccs: [PUBLIC_COLLECTION, target] };
    case "followers":
      return { tos: [followers], ccs: [target] };
    case "direct":
      return { tos: [target], ccs: [] };
    default:
      return null;
  }
}

// POST /control/post: fedi posts a Note mentioning the target and delivers its Create there.
async function controlPost(ctx, request) {
  const shape =
    '{"to": "<actor URI>", "content": "<html>", "image": {"url", "mediaType", "name", "width", "height"}?, ' +
    '"visibility": "public"|"unlisted"|"followers"|"direct"?, "inReplyTo": "<URI>"?, "summary": "…"?, "sensitive": bool?}';
  const { body, error } = await readBody(request, shape);
  if (error) return json(400, { error });
  const { url: target, error: toError } = urlField(body, "to");
  if (toError) return json(400, { error: toError });
  if (typeof body.content !== "string") return json(400, { error: 'missing "content"' });
  const visibility = body.visibility ?? "public";
  let inReplyTo = null;
  if (body.inReplyTo != null) {
    const r = urlField(body, "inReplyTo");
    if (r.error) return json(400, { error: r.error });
    inReplyTo = r.url;
  }
  let attachment = null;
  if (body.image != null) {
    const img = body.image === true ? {} : body.image;
    if (typeof img !== "object") return json(400, { error: '"image" must be an object' });
    let imageUrl;
    try {
      imageUrl = new URL(img.url ?? PIC_URL);
    } catch {
      return json(400, { error: `"image.url" is not a URL: ${img.url}` });
    }
    const isPic = imageUrl.href === PIC_URL;
    attachment = new Document({
      mediaType: img.mediaType ?? (isPic ? "image/png" : null),
      url: imageUrl,
      name: img.name ?? null,
      width: img.width ?? (isPic ? PIC_SIZE : null),
      height: img.height ?? (isPic ? PIC_SIZE : null),
    });
  }
  const uuid = randomUUID();
  const noteId = ctx.getObjectUri(Note, { id: uuid });
  const createId = new URL(`/activities/${randomUUID()}`, BASE);
  try {
    const actor = await lookupActor(ctx, target);
    const followers = ctx.getFollowersUri(USERNAME);
    const address = addressing(visibility, followers, actor.id);
    if (address == null) return json(400, { error: `unknown "visibility": ${visibility}` });
    const published = Temporal.Now.instant().round({ smallestUnit: "second" });
    const handle = actor.preferredUsername != null ? `@${actor.preferredUsername}@${actor.id.host}` : actor.id.href;
    const note = new Note({
      id: noteId,
      attribution: ctx.getActorUri(USERNAME),
      content: body.content,
      summary: typeof body.summary === "string" ? body.summary : null,
      sensitive: typeof body.sensitive === "boolean" ? body.sensitive : false,
      replyTarget: inReplyTo,
      url: noteId,
      published,
      ...address,
      tags: [new Mention({ href: actor.id, name: handle })],
      attachments: attachment == null ? [] : [attachment],
    });
    notes.set(uuid, note);
    const create = new Create({ id: createId, actor: ctx.getActorUri(USERNAME), object: note, published, ...address });
    await ctx.sendActivity({ identifier: USERNAME }, actor, create);
    state.notesSent.push({ id: noteId.href, activity: createId.href, to: actor.id.href, inbox: actor.inboxId.href });
    return json(200, { id: noteId.href, activity: createId.href });
  } catch (e) {
    recordError("peer.control.post", String(e?.stack ?? e));
    return json(502, { error: String(e?.message ?? e), id: noteId.href, activity: createId.href });
  }
}

// POST /control/like and /control/announce: fedi likes / boosts a post, delivered to its author.
async function controlReact(ctx, request, kind) {
  const { body, error } = await readBody(request, '{"object": "<post URI>", "to": "<author actor URI>"}');
  if (error) return json(400, { error });
  const { url: object, error: objectError } = urlField(body, "object");
  if (objectError) return json(400, { error: objectError });
  const { url: target, error: toError } = urlField(body, "to");
  if (toError) return json(400, { error: toError });
  const id = new URL(`/activities/${randomUUID()}`, BASE);
  try {
    const actor = await lookupActor(ctx, target);
    const me = ctx.getActorUri(USERNAME);
    const activity =
      kind === "like"
        ? new Like({ id, actor: me, object })
        : new Announce({
            id,
            actor: me,
            object,
            published: Temporal.Now.instant().round({ smallestUnit: "second" }),
            tos: [PUBLIC_COLLECTION],
            ccs: [ctx.getFollowersUri(USERNAME), actor.id],
          });
    await ctx.sendActivity({ identifier: USERNAME }, actor, activity);
    sentActivities.set(id.href, { activity, recipient: actor });
    const list = kind === "like" ? state.likesSent : state.announcesSent;
    list.push({ id: id.href, object: object.href, to: actor.id.href, inbox: actor.inboxId.href });
    return json(200, { id: id.href });
  } catch (e) {
    recordError(`peer.control.${kind}`, String(e?.stack ?? e));
    return json(502, { error: String(e?.message ?? e), id: id.href });
  }
}

// POST /control/undo: Undo of a Like or Announce the peer sent, to the same recipient.
async function controlUndo(ctx, request) {
  const { body, error } = await readBody(request, '{"id": "<id of a Like or Announce sent by the peer>"}');
  if (error) return json(400, { error });
  if (typeof body.id !== "string") return json(400, { error: 'missing "id"' });
  const sent = sentActivities.get(body.id);
  if (sent == null) return json(404, { error: `the peer sent no Like or Announce ${body.id}` });
  const { activity, recipient } = sent;
  const undoId = new URL(`/activities/${randomUUID()}`, BASE);
  const undo = new Undo({
    id: undoId,
    actor: ctx.getActorUri(USERNAME),
    object: activity,
    tos: activity.toIds,
    ccs: activity.ccIds,
  });
  try {
    await ctx.sendActivity({ identifier: USERNAME }, recipient, undo);
    state.undosSent.push({
      id: undoId.href,
      object: body.id,
      type: typeName(activity),
      to: recipient.id.href,
      inbox: recipient.inboxId.href,
    });
    sentActivities.delete(body.id);
    return json(200, { id: undoId.href, object: body.id });
  } catch (e) {
    recordError("peer.control.undo", String(e?.stack ?? e));
    return json(502, { error: String(e?.message ?? e), id: undoId.href, object: body.id });
  }
}

async function handleControl(request, url) {
  const ctx = federation.createContext(new URL(BASE), {});
  if (url.pathname === "/control/health" && request.method === "GET") {
    return json(200, { ok: true });
  }
  if (url.pathname === "/control/state" && request.method === "GET") {
    return json(200, state);
  }
  if (url.pathname === "/control/follow" && request.method === "POST") {
    const { target, error } = await readTarget(request);
    if (error) return json(400, { error });
    const followId = new URL(`/follows/${randomUUID()}`, BASE);
    try {
      const actor = await lookupActor(ctx, target);
      const follow = new Follow({ id: followId, actor: ctx.getActorUri(USERNAME), object: actor.id, to: actor.id });
      await ctx.sendActivity({ identifier: USERNAME }, actor, follow);
      state.followsSent.push({ id: followId.href, target: actor.id.href, inbox: actor.inboxId.href });
      return json(200, { followId: followId.href });
    } catch (e) {
      recordError("peer.control.follow", String(e?.stack ?? e));
      return json(502, { error: String(e?.message ?? e), followId: followId.href });
    }
  }
  if (url.pathname === "/control/unfollow" && request.method === "POST") {
    const { target, error } = await readTarget(request);
    if (error) return json(400, { error });
    const sent = state.followsSent.findLast((f) => f.target === target.href);
    if (sent == null) return json(404, { error: `no Follow was sent to ${target.href}` });
    const undoId = new URL(`/activities/${randomUUID()}`, BASE);
    try {
      const actor = await lookupActor(ctx, target);
      const undo = new Undo({
        id: undoId,
        actor: ctx.getActorUri(USERNAME),
        to: actor.id,
        object: new Follow({ id: new URL(sent.id), actor: ctx.getActorUri(USERNAME), object: actor.id }),
      });
      await ctx.sendActivity({ identifier: USERNAME }, actor, undo);
      return json(200, { undoId: undoId.href, followId: sent.id });
    } catch (e) {
      recordError("peer.control.unfollow", String(e?.stack ?? e));
      return json(502, { error: String(e?.message ?? e), undoId: undoId.href });
    }
  }
  if (request.method === "POST") {
    switch (url.pathname) {
      case "/control/post":
        return controlPost(ctx, request);
      case "/control/like":
        return controlReact(ctx, request, "like");
      case "/control/announce":
        return controlReact(ctx, request, "announce");
      case "/control/undo":
        return controlUndo(ctx, request);
    }
  }
  return json(404, { error: `no control endpoint ${request.method} ${url.pathname}` });
}

// A small, valid 8×8 RGB PNG, served at /media/pic.png (the default image of /control/post).
const PIC = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAg0lEQVR42g3JIQGFIQxG0RfnDzFDAzSaBjOE+EJg1mAaTYOZG+Zx7PnxGc0YhhsywjhG2Y+v0" +
    "zqj4x11onM61V9M2mRMfKJJTM6k5otFW4yFL7SIxVnUeiGaGMKFRIgjSi82bTM2vtEmNmdT+0XSkpF4oiSSk1S+uLTLuPhFl7icS90/yJ13YXv+KpAAAAAASUVORK5CYII=",
  "base64",
);
const PIC_URL = `${BASE}/media/pic.png`;
const PIC_SIZE = 8;

// ---------------------------------------------------------------------------------------------
// node:http <-> Fetch API adapter. Request URLs are always built on BASE (http://localhost:PORT)
// so Fedify mints ids with that origin; the Host header is passed through untouched for the
// HTTP signature check.

async function toFetchRequest(req) {
  const url = new URL(req.url ?? "/", BASE);
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const body = Buffer.concat(chunks);
  return {
    request: new Request(url, { method: req.method, headers, body: hasBody ? body : undefined }),
    body,
  };
}

// The JSON body of a POST, for the inbox listeners to record as received (null if not JSON).
function parseRaw(method, body) {
  if (method !== "POST" || body.length === 0) return null;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
}

// Fedify logs every ActivityPub request ("fedify.federation.http") at info level.
const server = createServer(async (req, res) => {
  let response;
  try {
    const { request, body } = await toFetchRequest(req);
    const url = new URL(request.url);
    if (url.pathname.startsWith("/control/")) {
      response = await handleControl(request, url);
    } else if (url.pathname === "/media/pic.png" && (request.method === "GET" || request.method === "HEAD")) {
      response = new Response(PIC, { headers: { "content-type": "image/png", "content-length": String(PIC.length) } });
    } else {
      // contextData.raw: the request body as sent, recorded by the inbox listeners.
      response = await federation.fetch(request, { contextData: { raw: parseRaw(request.method, body) } });
    }
  } catch (e) {
    recordError("peer.http", `${req.method} ${req.url}: ${e?.stack ?? e}`);
    response = json(500, { error: String(e?.message ?? e) });
  }
  const body = Buffer.from(await response.arrayBuffer());
  const headers = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  res.end(req.method === "HEAD" ? undefined : body);
});

server.listen(PORT, "127.0.0.1", () => {
  process.stderr.write(`peer: listening on 127.0.0.1:${PORT}, actor ${BASE}/users/${USERNAME}\n`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
