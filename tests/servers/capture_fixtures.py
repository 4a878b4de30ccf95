"""Record real payloads from the local test servers as connector test fixtures.

Run after tests/servers/start.sh, with its env sourced, by the mastodon-mock
venv's Python (it has the websockets package):

    . ~/.cache/earshot/servers/run/env
    ~/.cache/earshot/servers/mastodon-venv/bin/python tests/servers/capture_fixtures.py

It plays a small scenario on each server (Bob and Carol mention, reply to, like
and follow Alice) and writes what the servers answered to
crates/earshot-connectors/tests/fixtures/{mastodon,bluesky}/. Session tokens
are replaced by "REDACTED". The Mastodon mock is reset first (its own
/api/v1/_mock/reset); the Bluesky network is fresh after each start.sh.
Standard library only, apart from websockets for the Mastodon WebSocket frame.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "crates" / "earshot-connectors" / "tests" / "fixtures"


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set: run tests/servers/start.sh and source its env file")
    return value


def http(method: str, url: str, body=None, token: str | None = None, form: bool = False):
    """One request; returns (status, headers, parsed JSON or text)."""
    headers = {"accept": "application/json"}
    data = None
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body).encode()
            headers["content-type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["content-type"] = "application/json"
    if token:
        headers["authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            raw, status, hdrs = res.read(), res.status, dict(res.headers)
    except urllib.error.HTTPError as err:
        raw, status, hdrs = err.read(), err.code, dict(err.headers)
    text = raw.decode()
    try:
        return status, hdrs, json.loads(text)
    except json.JSONDecodeError:
        return status, hdrs, text


def ok(result, what: str):
    status, _, body = result
    if status >= 300:
        sys.exit(f"{what}: HTTP {status} {body}")
    return body


def save(kind: str, name: str, payload) -> None:
    path = OUT / kind / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(payload, str):
        path.write_text(payload)
    else:
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")


# ---------------------------------------------------------------------------
# Mastodon API (mastodon-mock)
# ---------------------------------------------------------------------------


def mastodon() -> None:
    base = env("EARSHOT_TEST_MASTODON_URL")
    alice = env("EARSHOT_TEST_MASTODON_ALICE_TOKEN")
    bob = env("EARSHOT_TEST_MASTODON_BOB_TOKEN")
    carol = env("EARSHOT_TEST_MASTODON_CAROL_TOKEN")
    ok(http("POST", f"{base}/api/v1/_mock/reset"), "reset")

    def post(token, body):
        return ok(http("POST", f"{base}/api/v1/statuses", body, token), "post status")

    # Alice's live streams (SSE and WebSocket) record what the scenario sends her.
    sse_lines: list[str] = []
    ws_frames: list[str] = []
    stop = threading.Event()

    def read_sse():
        req = urllib.request.Request(
            f"{base}/api/v1/streaming/user", headers={"authorization": f"Bearer {alice}"}
        )
        with urllib.request.urlopen(req, timeout=30) as res:
            while not stop.is_set():
                line = res.readline()
                if not line:
                    break
                sse_lines.append(line.decode())

    def read_ws():
        import asyncio

        import websockets

        async def run():
            url = base.replace("http", "ws", 1) + f"/api/v1/streaming?stream=user&access_token={alice}"
            async with websockets.connect(url) as ws:
                while not stop.is_set():
                    try:
                        ws_frames.append(await asyncio.wait_for(ws.recv(), timeout=0.5))
                    except asyncio.TimeoutError:
                        continue

        asyncio.run(run())

    threads = [threading.Thread(target=read_sse, daemon=True), threading.Thread(target=read_ws, daemon=True)]
    for t in threads:
        t.start()
    time.sleep(1.0)

    first = post(bob, {"status": "Hey @alice, can you look at the release notes? #earshot"})
    save("mastodon", "status_with_mention.json", first)
    reply = post(carol, {"status": "@bob @alice +1, the notes need a pass", "in_reply_to_id": first["id"]})
    alice_reply = post(alice, {"status": "@bob @carol on it, thanks!", "in_reply_to_id": reply["id"]})
    post(bob, {"status": "@alice a private question about the launch", "visibility": "direct"})
    alice_id = ok(http("GET", f"{base}/api/v1/accounts/verify_credentials", token=alice), "me")["id"]
    ok(http("POST", f"{base}/api/v1/accounts/{alice_id}/follow", token=bob), "follow")
    ok(http("POST", f"{base}/api/v1/statuses/{alice_reply['id']}/favourite", token=carol), "favourite")
    for i in (1, 2):
        post(carol, {"status": f"@alice ping {i}"})
    time.sleep(1.0)
    stop.set()

    status, headers, page = http("GET", f"{base}/api/v1/notifications?types[]=mention&limit=2", token=alice)
    save("mastodon", "notifications_mentions_page.json", page)
    save(
        "mastodon",
        "notifications_mentions_page.headers.json",
        {k.lower(): v for k, v in headers.items() if k.lower() in ("link", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "content-type")},
    )
    save("mastodon", "notifications_all.json", ok(http("GET", f"{base}/api/v1/notifications", token=alice), "all"))
    save(
        "mastodon",
        "notifications_grouped_v2.json",
        ok(http("GET", f"{base}/api/v2/notifications?types[]=mention&limit=3", token=alice), "v2"),
    )
    save("mastodon", "status_context.json", ok(http("GET", f"{base}/api/v1/statuses/{reply['id']}/context", token=alice), "context"))
    save("mastodon", "conversations.json", ok(http("GET", f"{base}/api/v1/conversations", token=alice), "conversations"))
    ok(http("POST", f"{base}/api/v1/markers", {"notifications": {"last_read_id": page[0]["id"]}}, alice), "set marker")
    save("mastodon", "markers.json", ok(http("GET", f"{base}/api/v1/markers?timeline[]=notifications", token=alice), "markers"))
    save("mastodon", "instance_v2.json", ok(http("GET", f"{base}/api/v2/instance"), "instance"))
    save("mastodon", "streaming_user.sse", "".join(sse_lines))
    save("mastodon", "streaming_ws_frames.json", [json.loads(f) for f in ws_frames])


# ---------------------------------------------------------------------------
# Bluesky (@atproto/dev-env, through the PDS)
# ---------------------------------------------------------------------------


def redact_session(session: dict) -> dict:
    session = dict(session)
    for key in ("accessJwt", "refreshJwt"):
        if key in session:
            session[key] = "REDACTED"
    return session


def bluesky() -> None:
    pds = env("EARSHOT_TEST_BSKY_PDS")

    def xrpc(method, nsid, body=None, token=None, query=""):
        return ok(http(method, f"{pds}/xrpc/{nsid}{query}", body, token), nsid)

    def login(handle, password):
        return xrpc("POST", "com.atproto.server.createSession", {"identifier": handle, "password": password})

    alice_s = login(env("EARSHOT_TEST_BSKY_ALICE_HANDLE"), env("EARSHOT_TEST_BSKY_ALICE_APP_PASSWORD"))
    save("bluesky", "createSession.json", redact_session(alice_s))
    bob_s = login(env("EARSHOT_TEST_BSKY_BOB_HANDLE"), env("EARSHOT_TEST_BSKY_BOB_PASSWORD"))
    carol_s = login(env("EARSHOT_TEST_BSKY_CAROL_HANDLE"), env("EARSHOT_TEST_BSKY_CAROL_PASSWORD"))
    alice_did, alice_handle = alice_s["did"], alice_s["handle"]

    def now():
        return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def create(session, collection, record):
        record = {"$type": collection, "createdAt": now(), **record}
        return xrpc(
            "POST",
            "com.atproto.repo.createRecord",
            {"repo": session["did"], "collection": collection, "record": record},
            session["accessJwt"],
        )

    def mention_post(session, before, after="", reply=None, embed=None):
        # Facet offsets count UTF-8 bytes, not characters.
        text = f"{before}@{alice_handle}{after}"
        start = len(before.encode())
        end = start + len(f"@{alice_handle}".encode())
        record = {
            "text": text,
            "facets": [
                {
                    "index": {"byteStart": start, "byteEnd": end},
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": alice_did}],
                }
            ],
        }
        if reply:
            record["reply"] = reply
        if embed:
            record["embed"] = embed
        return create(session, "app.bsky.feed.post", record)

    def ref(r):
        return {"uri": r["uri"], "cid": r["cid"]}

    # Spread the events over seconds: the AppView's notification times have
    # one-second resolution and its cursor skips items in the cursor's second.
    root = mention_post(bob_s, "Héllo ", ", can you look at the release notes? 🙏")
    save("bluesky", "createRecord.json", root)
    time.sleep(1.1)
    reply = mention_post(carol_s, "+1 ", " the notes need a pass", reply={"root": ref(root), "parent": ref(root)})
    time.sleep(1.1)
    alice_post = create(alice_s, "app.bsky.feed.post", {"text": "On it, thanks both!", "reply": {"root": ref(root), "parent": ref(reply)}})
    time.sleep(1.1)
    alice_top = create(alice_s, "app.bsky.feed.post", {"text": "Release notes draft is up"})
    time.sleep(1.1)
    create(bob_s, "app.bsky.feed.post", {"text": "Looks good to me", "reply": {"root": ref(alice_top), "parent": ref(alice_top)}})
    time.sleep(1.1)
    create(bob_s, "app.bsky.feed.like", {"subject": ref(alice_post)})
    time.sleep(1.1)
    create(bob_s, "app.bsky.graph.follow", {"subject": alice_did})
    time.sleep(1.1)
    create(carol_s, "app.bsky.feed.post", {"text": "Alice is on the case", "embed": {"$type": "app.bsky.embed.record", "record": ref(alice_post)}})

    # The AppView indexes from the PDS's event stream: wait until it has all 6.
    token = alice_s["accessJwt"]
    for _ in range(50):
        notes = xrpc("GET", "app.bsky.notification.listNotifications", token=token, query="?limit=50")
        if len(notes["notifications"]) >= 6:
            break
        time.sleep(0.2)
    save("bluesky", "listNotifications.json", notes)
    save(
        "bluesky",
        "listNotifications_mentions.json",
        xrpc("GET", "app.bsky.notification.listNotifications", token=token, query="?limit=50&reasons=mention"),
    )
    save("bluesky", "getUnreadCount.json", xrpc("GET", "app.bsky.notification.getUnreadCount", token=token))
    save(
        "bluesky",
        "getPostThread.json",
        xrpc("GET", "app.bsky.feed.getPostThread", token=token, query=f"?uri={urllib.parse.quote(root['uri'])}"),
    )


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    if which in ("mastodon", "all"):
        mastodon()
    if which in ("bluesky", "all"):
        bluesky()
