"""Phase 4 of the generator: members, with their accounts, verified addresses
and the conditions they live with.

A member is a `User` with a `Member` profile, joined at some point in the last
four years, who picked one to three conditions (popular ones more often). The
experiences phase writes their posts, so this phase hands on when each member
joined and which conditions they picked, as `Members`.
"""

import random
from bisect import bisect
from dataclasses import dataclass, field
from itertools import accumulate

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from community.models import CONSENT_VERSION, Member, MemberCondition, Relation
from community.names import pseudonym_skeleton
from devdata.dataset import text
from devdata.dataset.accounts import USER_FIELDS, user_row
from devdata.dataset.conditions import Conditions
from devdata.dataset.context import DAY, Run
from devdata.dataset.sizes import EMAIL_DOMAIN
from diseasemaps.lib.demo_accounts import demo_group

User = get_user_model()

MEMBER_FIELDS = [
    "id",
    "user",
    "pseudonym",
    "country",
    "counted_in_map",
    "health_data_consent_at",
    "consent_version",
    "is_former",
    "created_at",
    # Derived by Member.save(), which a bulk load does not call.
    "pseudonym_skeleton",
]
EMAIL_FIELDS = ["id", "user", "email", "verified", "primary"]
PAIR_FIELDS = ["id", "member", "condition", "relation", "created_at"]

# A member's condition: (index into the conditions, relation, seconds ago
# since when).
Pair = tuple[int, str, float]


@dataclass
class Members:
    first_id: int  # members' ids run on from here, in the order of the lists
    joined: list[float] = field(default_factory=list)  # seconds ago
    pairs: list[list[Pair]] = field(default_factory=list)


def write_members(run: Run, conditions: Conditions) -> Members:
    rng = run.rng("members")
    total = run.sizes.members
    user_id = run.loader.next_id(User)
    member_id = run.loader.next_id(Member)
    email_id = run.loader.next_id(EmailAddress)
    pair_id = run.loader.next_id(MemberCondition)
    written = Members(first_id=member_id)
    taken = set(
        User.objects.filter(username__startswith="member-").values_list(
            "username", flat=True
        )
    )
    pseudonyms: set[str] = set()
    suffixes: dict[str, int] = {}
    countries = [code for code, _ in text.COUNTRIES]
    country_weights = list(accumulate(weight for _, weight in text.COUNTRIES))
    relations = [Relation.LIVES_WITH, Relation.CAREGIVER, Relation.FAMILY]
    popularity = conditions.popularity
    chunk = 20_000
    demo = demo_group().pk
    for start in range(0, total, chunk):
        users, members, emails, pairs = [], [], [], []
        for number in range(start, min(start + chunk, total)):
            username = f"member-{rng.getrandbits(48):012x}"
            while username in taken:
                username = f"member-{rng.getrandbits(48):012x}"
            taken.add(username)
            joined_ago = (rng.random() ** 1.7 * 4 * 365 + 1) * DAY
            joined = run.at(joined_ago)
            email = f"member{number + 1}@{EMAIL_DOMAIN}"
            users.append(user_row(run, user_id, username, email, joined))
            emails.append((email_id, user_id, email, True, True))
            pseudonym = _pseudonym(rng, pseudonyms, suffixes)
            country = countries[
                bisect(country_weights, rng.random() * country_weights[-1])
            ]
            members.append(
                (
                    member_id,
                    user_id,
                    pseudonym,
                    country,
                    bool(country) and rng.random() < 0.85,
                    joined,
                    CONSENT_VERSION,
                    False,
                    joined,
                    pseudonym_skeleton(pseudonym),
                )
            )
            wanted = min(
                len(conditions.items),
                rng.choices([1, 2, 3], weights=[70, 22, 8])[0],
            )
            chosen: list[int] = []
            while len(chosen) < wanted:
                index = bisect(popularity, rng.random() * popularity[-1])
                if index not in chosen:
                    chosen.append(index)
            mine = []
            for index in chosen:
                relation = relations[bisect((60, 85, 100), rng.random() * 100)]
                since = joined_ago - rng.uniform(0, min(2 * DAY, joined_ago / 2))
                pairs.append(
                    (
                        pair_id,
                        member_id,
                        conditions.items[index].id,
                        relation,
                        run.at(since),
                    )
                )
                mine.append((index, relation, since))
                pair_id += 1
            written.joined.append(joined_ago)
            written.pairs.append(mine)
            user_id += 1
            member_id += 1
            email_id += 1
        run.loader.write(User, USER_FIELDS, users)
        # Every generated account is a demo account: refused with DEBUG off
        # (diseasemaps/lib/demo_accounts.py).
        link_id = run.loader.next_id(User.groups.through)
        run.loader.write(
            User.groups.through,
            ["id", "user", "group"],
            [(link_id + n, row[0], demo) for n, row in enumerate(users)],
        )
        run.loader.write(EmailAddress, EMAIL_FIELDS, emails)
        run.loader.write(Member, MEMBER_FIELDS, members)
        run.loader.write(MemberCondition, PAIR_FIELDS, pairs)
        run.progress("members", min(start + chunk, total), total)
    return written


def _pseudonym(rng: random.Random, used: set[str], suffixes: dict[str, int]) -> str:
    roll = rng.random()
    if roll < 0.35:
        base = rng.choice(text.PSEUDONYM_ADJECTIVES) + rng.choice(text.PSEUDONYM_WORDS)
    elif roll < 0.6:
        base = f"{rng.choice(text.FIRST_NAMES)}{rng.randint(1, 99)}"
    elif roll < 0.8:
        surname = rng.choice(text.SURNAMES)[:3]
        base = f"{rng.choice(text.FIRST_NAMES)}_{surname}".lower()
    elif roll < 0.9:
        base = rng.choice(text.FAMILY_ROLES) + rng.choice(text.FAMILY_COUNTS)
    else:
        word = rng.choice(text.PSEUDONYM_WORDS).lower()
        base = f"{word}.{rng.choice(text.FIRST_NAMES).lower()}"
    candidate = base
    separator = "_" if base[-1].isdigit() else ""
    while candidate.casefold() in used:
        suffixes[base] = suffixes.get(base, 1) + 1
        candidate = f"{base}{separator}{suffixes[base]}"
    used.add(candidate.casefold())
    return candidate
