"""A Mastodon app session against two live Pinhole instances, with Mastodon.py (PyPI).

Run by tests/clients.rs with:
  PINHOLE_A, PINHOLE_B   API base URLs (http://127.0.0.1:PORT)
  BOB_HANDLE             @bob@host of the account on B
  BOB_TOKEN              a token of bob on B
  PHOTO1, PHOTO2         JPEG files to upload
Every step asserts what it reads; any failure exits non-zero with the reason.
"""

import os
import re
import sys
import time

import requests
from mastodon import Mastodon

A = os.environ["PINHOLE_A"]
B = os.environ["PINHOLE_B"]
SCOPES = ["read", "write", "follow"]
OOB = "urn:ietf:wg:oauth:2.0:oob"


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def eventually(fn, what, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.3)
    check(False, what)


# 1. Register an app and get a token through the authorization-code flow: the sign-in form
#    is filled in the way a person would.
client_id, client_secret = Mastodon.create_app(
    "Mastodon.py interop", scopes=SCOPES, redirect_uris=OOB, api_base_url=A
)
app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=A)
url = app.auth_request_url(redirect_uris=OOB, scopes=SCOPES, allow_http=True)
form_page = requests.get(url, timeout=30)
check(form_page.status_code == 200 and 'name="password"' in form_page.text, "consent page")
hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form_page.text))
hidden = {k: v.replace("&amp;", "&") for k, v in hidden.items()}
signed_in = requests.post(
    A + "/oauth/authorize",
    data={**hidden, "username": "alice", "password": "secret-pw"},
    timeout=30,
)
code = re.search(r'<code id="code">([^<]+)</code>', signed_in.text)
check(code is not None, "authorization code shown")
token = app.log_in(code=code.group(1), redirect_uri=OOB, scopes=SCOPES, allow_http=True)
alice = Mastodon(access_token=token, api_base_url=A)
me = alice.account_verify_credentials()
check(me.username == "alice", "verify_credentials as alice")

# 2. Two photos with alt text, posted with a caption; a text note.
m1 = alice.media_post(os.environ["PHOTO1"], mime_type="image/jpeg", description="A red boat")
m2 = alice.media_post(os.environ["PHOTO2"], mime_type="image/jpeg", description="A blue sea")
check(m1.type == "image" and m1.description == "A red boat", "first upload")
photo = alice.status_post("Harbour in two colours #harbour", media_ids=[m1, m2])
check(len(photo.media_attachments) == 2, "photo post has both photos")
check(photo.media_attachments[1].description == "A blue sea", "alt text kept")
note = alice.status_post("A short note")
check(note.content.startswith("<p>A short note"), "text note")

# 3. Follow bob on the other instance by @user@host.
found = alice.search_v2(os.environ["BOB_HANDLE"], resolve=True)
check(len(found.accounts) == 1, "search resolves @bob@host")
bob_remote = found.accounts[0]
alice.account_follow(bob_remote)
eventually(
    lambda: alice.account_relationships(bob_remote)[0].following,
    "bob's server accepted the follow",
)

# 4. Bob posts a photo on B; alice finds it with its media in her home timeline.
bob = Mastodon(access_token=os.environ["BOB_TOKEN"], api_base_url=B)
bm = bob.media_post(os.environ["PHOTO1"], mime_type="image/jpeg", description="Bob's boat")
bob.status_post("From the other harbour", media_ids=[bm])


def bobs_post():
    for s in alice.timeline_home():
        if s.account.acct == bob_remote.acct:
            return s
    return None


remote = eventually(bobs_post, "bob's photo post in alice's home timeline")
check(len(remote.media_attachments) == 1, "remote post carries its photo")
check(remote.media_attachments[0].description == "Bob's boat", "remote alt text")
check(bool(remote.media_attachments[0].blurhash), "remote blurhash")

# 5. Favourite and boost it; bob sees both in his notifications.
alice.status_favourite(remote)
alice.status_reblog(remote)


def bob_notified():
    kinds = {n.type for n in bob.notifications()}
    return {"favourite", "reblog"} <= kinds


eventually(bob_notified, "bob notified of the favourite and the boost")
print("all Mastodon.py checks passed")
