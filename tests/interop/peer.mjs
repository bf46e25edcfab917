// An independent ActivityPub peer built on Fedify, for Pinhole's federation interop tests.
//
//   PORT=12345 node tests/interop/peer.mjs
//
// Serves one actor, `fedi`, at http://localhost:PORT/users/fedi, plus plain-JSON control
// endpoints under /control/ for the test harness (see README.md). Listens on 127.0.0.1 only
// and refuses to fetch anything outside the loopback range.

import { AsyncLocalStorage } from "node:async_hooks";
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { inspect } from "node:util";
import {
  Accept,
  createFederation,
  Endpoints,
  Follow,
  generateCryptoKeyPair,
  getDocumentLoader,
  isActor,
  MemoryKvStore,
  Person,
  Reject,
  Undo,
} from "@fedify/fedify";
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
  undosReceived: [], //   { id, actor, object }  (object = the undone activity's id)
  followsSent: [], //     { id, target, inbox }
  acceptsSent: [], //     { id, follow, to, inbox }
  followers: [], //       actor URIs with an accepted Follow (removed by Undo)
  errors: [], //          { time, category, message }
};
const followerRecipients = new Map(); // actor URI -> { id, inboxId, endpoints }

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

const href = (u) => (u == null ? null : u.href ?? String(u));

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
  .on(Undo, async (_ctx, undo) => {
    const entry = { id: href(undo.id), actor: href(undo.actorId), object: href(undo.objectId) };
    state.undosReceived.push(entry);
    process.stderr.write(`peer: Undo received ${JSON.stringify(entry)}\n`);
    if (entry.actor != null) {
      followerRecipients.delete(entry.actor);
      state.followers = state.followers.filter((a) => a !== entry.actor);
    }
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

async function readTarget(request) {
  let body;
  try {
    body = await request.json();
  } catch {
    return { error: "body must be JSON: {\"target\": \"<actor URI>\"}" };
  }
  if (typeof body?.target !== "string") return { error: "missing \"target\"" };
  try {
    return { target: new URL(body.target) };
  } catch {
    return { error: `"target" is not a URL: ${body.target}` };
  }
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

async function handleControl(request, url) {
  const ctx = federation.createContext(new URL(BASE), undefined);
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
  return json(404, { error: `no control endpoint ${request.method} ${url.pathname}` });
}

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
  return new Request(url, {
    method: req.method,
    headers,
    body: hasBody ? Buffer.concat(chunks) : undefined,
  });
}

// Fedify logs every ActivityPub request ("fedify.federation.http") at info level.
const server = createServer(async (req, res) => {
  let response;
  try {
    const request = await toFetchRequest(req);
    const url = new URL(request.url);
    response = url.pathname.startsWith("/control/")
      ? await handleControl(request, url)
      : await federation.fetch(request, { contextData: undefined });
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
