"""Sign-up and moderation through Mastodon.py (PyPI), as a Mastodon app and an admin tool do.

Run by tests/clients.rs with:
  PINHOLE_URL    API base URL of an instance in approval mode (http://127.0.0.1:PORT)
  ADMIN_TOKEN    a token with admin:read and admin:write of a moderator there
Every step asserts what it reads; any failure exits non-zero with the reason.
"""

import os
import sys

from mastodon import Mastodon, MastodonAPIError

URL = os.environ["PINHOLE_URL"]
OOB = "urn:ietf:wg:oauth:2.0:oob"


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


instance = Mastodon(api_base_url=URL).instance_v2()
check(instance.registrations.enabled and instance.registrations.approval_required,
      "instance says: sign-ups open, with approval")

client_id, client_secret = Mastodon.create_app(
    "Mastodon.py sign-up", scopes=["read", "write"], redirect_uris=OOB, api_base_url=URL
)


def new_app():
    return Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=URL)


# 1. Sign up the way apps do: an app token, then POST /api/v1/accounts.
uma = new_app()
token = uma.create_account("uma", "a long password", "uma@example.org", agreement=True,
                           reason="I post photos of trains", scopes=["read", "write"])
check(bool(token), "create_account returns a token")
try:
    uma.account_verify_credentials()
    check(False, "a pending account's token is refused")
except MastodonAPIError as e:
    check("pending approval" in str(e), f"a pending account's token is refused ({e})")

# 2. Field errors in Mastodon's shape.
taken = new_app()
none, error = taken.create_account("uma", "a long password", "other@example.org", agreement=True,
                                   return_detailed_error=True, scopes=["read", "write"])
check(none is None and error["details"]["username"][0]["error"] == "ERR_TAKEN",
      f"a taken username is ERR_TAKEN ({error})")
none, error = taken.create_account("victor", "short", "victor@example.org", agreement=False,
                                   return_detailed_error=True, scopes=["read", "write"])
check(error["details"]["password"][0]["error"] == "ERR_TOO_SHORT"
      and error["details"]["agreement"][0]["error"] == "ERR_ACCEPTED",
      "a short password and no agreement are named")

# 3. The moderator's queue and approval, with Mastodon.py's admin methods.
admin = Mastodon(access_token=os.environ["ADMIN_TOKEN"], api_base_url=URL)
pending = admin.admin_accounts_v2(origin="local", status="pending")
check([a.username for a in pending] == ["uma"], "admin_accounts_v2 lists the pending sign-up")
entry = admin.admin_account(pending[0].id)
check(entry.email == "uma@example.org" and entry.invite_request == "I post photos of trains"
      and entry.approved is False and entry.account.acct == "uma", "admin_account shows it")
v1 = admin.admin_accounts(status="pending")
check([a["username"] for a in v1] == ["uma"], f"admin_accounts (v1) agrees ({v1})")
approved = admin.admin_account_approve(entry.id)
check(approved.approved is True, "admin_account_approve")
me = uma.account_verify_credentials()
check(me.username == "uma", "the approved account's token works")

# 4. Reports and account actions, as a moderation tool drives them.
target = uma.account_lookup("target")
report = uma.report(target.id, comment="testing the report flow", category="other")
check(report.comment == "testing the report flow" and report.action_taken is False, "report()")
listed = admin.admin_reports()
check([r.id for r in listed] == [report.id] and listed[0].account.username == "uma", "admin_reports lists it")
resolved = admin.admin_report_resolve(report.id)
check(resolved.action_taken is True, "admin_report_resolve")
check(admin.admin_reports() == [], "no open reports left")
admin.admin_account_moderate(entry.id, action="silence", text="Please slow down")
check(admin.admin_account(entry.id).silenced is True, "admin_account_moderate silences")
admin.admin_account_unsilence(entry.id)
check(admin.admin_account(entry.id).silenced is False, "admin_account_unsilence")
admin.admin_account_moderate(entry.id, action="disable")
try:
    uma.account_verify_credentials()
    check(False, "a disabled login is refused")
except MastodonAPIError as e:
    check("disabled" in str(e), "a disabled login is refused")
admin.admin_account_enable(entry.id)
check(uma.account_verify_credentials().username == "uma", "admin_account_enable")

# 5. Reject: the second sign-up is gone.
wendy = new_app()
wendy.create_account("wendy", "a long password", "wendy@example.org", agreement=True,
                     scopes=["read", "write"])
pending = admin.admin_accounts_v2(origin="local", status="pending")
check([a.username for a in pending] == ["wendy"], "the next sign-up waits")
admin.admin_account_reject(pending[0].id)
check(admin.admin_accounts_v2(origin="local", status="pending") == [], "rejected: the queue is empty")
check(all(a.username != "wendy" for a in admin.admin_accounts_v2(origin="local")),
      "rejected: the account is gone")

print("all Mastodon.py admin checks passed")
