"""Public names that cannot pose as someone else: the checks on a pseudonym
that need no database, and the key two names are compared by.

A post signed with a reviewer's name, the site's or another member's reads as
theirs. So a pseudonym is compared with other names by what it looks like,
not by its code points: `pseudonym_skeleton` is the Unicode confusable
skeleton (Unicode Technical Standard #39, computed by ICU's SpoofChecker from
the Unicode data, not from a table of our own) of the name folded to one
letter case, without separators and without titles such as "Dr". Two names
with the same skeleton look alike ("Rita Osei", "Dr Rita 0sei", "Rіta Osei"
with a Cyrillic і); `community.accounts` refuses a new name whose skeleton
another member, a staff member, a reviewer or the site already has.

Some characters draw nothing at all (Hangul fillers, zero-width joiners, other
default-ignorable and format characters): "MinaW" followed by one looks like
"MinaW", and a name made only of them looks like no name. Those are refused,
by Unicode property rather than by a list, and names that mix alphabets in a
deceptive way (a Cyrillic "А" in "Аdmin") fail ICU's restriction-level check.

ICU's data comes inside the pinned pyicu-wheels package (requirements.txt),
so a new pin can move a few skeletons: `manage.py check_pseudonyms`
recomputes the stored ones and lists names that now collide.
"""

import unicodedata

import icu

# Said for a name someone else has, that the site keeps, or that looks like
# either: one wording for all three, so that trying names tells nobody whether
# a member uses one.
UNAVAILABLE = (
    "This name is taken, kept for the site, or too like another name. "
    "Choose a different one."
)
INVISIBLE = (
    "This name contains characters that show as nothing (invisible or blank "
    "characters). Type the name again using letters you can see."
)
NO_LETTERS = "A name needs at least one letter or digit that people can see."
MIXED_SCRIPTS = (
    "This name mixes letters of different alphabets (for example Latin and "
    "Cyrillic) that can make it look like another name. Use the letters of one "
    "alphabet."
)
# What posts show for an old name that has nothing visible left (see
# `shown_name`).
UNNAMED = "Unnamed member"

# Characters that draw nothing, or change how others are drawn: the Unicode
# property Default_Ignorable_Code_Point (zero-width characters, the Hangul
# fillers U+115F U+1160 U+3164 U+FFA0, variation selectors, ...), format
# characters (Cf: bidirectional controls, the soft hyphen), controls,
# surrogates, private use and unassigned code points, and line or paragraph
# separators.
_INVISIBLE_CHARS = icu.UnicodeSet(
    "[[:Default_Ignorable_Code_Point:][:Cf:][:Cc:][:Cs:][:Co:][:Cn:][:Zl:][:Zp:]]"
)
_INVISIBLE_CHARS.freeze()

# Titles and letters after a name are dropped before names are compared, so
# "Dr Rita Osei" is the reviewer "Rita Osei" and "Prof. Sam" is "Sam".
_TITLES = [
    "dr",
    "doctor",
    "prof",
    "professor",
    "mr",
    "mrs",
    "ms",
    "mx",
    "miss",
    "sir",
    "dame",
    "nurse",
    "md",
    "phd",
    "mbbs",
    "frcp",
]
# Words that make a name read as the site or its staff. Long, distinctive
# words are refused anywhere in a name ("TeamDiseaseMaps"); short common ones
# only as a word of their own, or (for "admin") at either end of one, so that
# "Badminton fan" and "Steam" stay possible.
_SITE_WORDS_ANYWHERE = [
    "diseasemaps",
    "moderator",
    "administrator",
    "official",
    "reviewer",
    "webmaster",
]
_SITE_WORDS_AT_ENDS = ["admin"]
_SITE_WORDS = ["mod", "mods", "staff", "team", "support", "helpdesk", "editor", "sysop"]
# Whole names the site itself signs with, or that read as nobody.
_SITE_NAMES = [
    "Former member",
    "Former moderator",
    "Former editor",
    "The post's author",
    "Automatic",
    "Anonymous",
    "Deleted",
    "Deleted member",
    "Unnamed member",
    "Member",
    "Moderators",
]

_SEPARATORS = " ._-"

# ICU documents a configured SpoofChecker as safe to share between threads
# for checks and skeletons.
_SKELETONS = icu.SpoofChecker()
_SCRIPTS = icu.SpoofChecker()
# "Moderately restrictive" (TR39 5.2): one script, or Latin with Han and
# Japanese or Korean scripts, or Latin with one other script except Cyrillic
# and Greek, whose letters double as Latin ones.
_SCRIPTS.setRestrictionLevel(icu.URestrictionLevel.MODERATELY_RESTRICTIVE)
_SCRIPTS.setChecks(
    icu.USpoofChecks.RESTRICTION_LEVEL
    | icu.USpoofChecks.MIXED_NUMBERS
    # The same combining mark twice in a row draws as one.
    | icu.USpoofChecks.INVISIBLE
)


def _skeleton(text: str, *, fold_first: bool = False) -> str:
    """TR39's skeleton, folded to one letter case.

    The skeleton compares glyphs, and a capital can look like another letter
    than its small form does: "I" like "l", but "i" not; "Ʀ" like "R", but
    its small form "ʀ" like nothing. So names are compared both ways: mapped
    as typed, then folded (the key a member's name is stored under), and
    folded first (so that "SUNNY.MINA" meets "SunnyMina"). The prototypes
    include capitals ("0" becomes "O"): the mapping runs twice."""
    if fold_first:
        text = text.casefold()
    for _ in range(2):
        text = _SKELETONS.getSkeleton(0, text).casefold()
    return text


def _words(name: str, *, fold_first: bool = False) -> list[str]:
    """The name's words as skeletons, letters, digits and marks only."""
    name = unicodedata.normalize("NFKC", name or "")
    for separator in _SEPARATORS:
        name = name.replace(separator, " ")
    words = []
    for word in name.split():
        kept = "".join(
            char
            for char in _skeleton(word, fold_first=fold_first)
            if unicodedata.category(char)[0] in "LNM"
            and not _INVISIBLE_CHARS.contains(char)
        )
        if kept:
            words.append(kept)
    return words


_TITLE_SKELETONS = frozenset(
    _skeleton(title, fold_first=first) for title in _TITLES for first in (0, 1)
)


def _key(words: list[str]) -> str:
    named = [word for word in words if word not in _TITLE_SKELETONS]
    # A name that is only a title ("Dr") is compared as it is.
    return "".join(named or words)


def pseudonym_skeleton(name: str) -> str:
    """The key a member's name is stored under (Member.pseudonym_skeleton):
    what it looks like, in one letter case, without separators and titles.

    Empty for a name with no visible letter or digit."""
    return _key(_words(name))


def comparison_skeletons(name: str) -> set[str]:
    """Every key under which the name meets a name that looks like it: its
    skeleton mapped as typed and folded first, and each without a title
    written against the name ("DrRitaOsei")."""
    found = {_key(_words(name, fold_first=first)) for first in (False, True)}
    unseen = list(found)
    while unseen:  # "DrDrRitaOsei" has two
        skeleton = unseen.pop()
        for title in _TITLE_SKELETONS:
            if len(skeleton) <= len(title):
                continue
            for shorter in (
                skeleton.removeprefix(title),
                skeleton.removesuffix(title),
            ):
                if shorter not in found:
                    found.add(shorter)
                    unseen.append(shorter)
    found.discard("")
    return found


_SITE_NAME_SKELETONS = frozenset(
    skeleton for name in _SITE_NAMES for skeleton in comparison_skeletons(name)
)
_ANYWHERE = {
    _skeleton(word, fold_first=first)
    for word in _SITE_WORDS_ANYWHERE
    for first in (False, True)
}
_AT_ENDS = {
    _skeleton(word, fold_first=first)
    for word in _SITE_WORDS_AT_ENDS
    for first in (False, True)
}
_WHOLE_WORDS = frozenset(
    _skeleton(word, fold_first=first) for word in _SITE_WORDS for first in (0, 1)
)


def is_site_name(name: str) -> bool:
    """Does the name read as the site, its staff or a deleted account?"""
    skeletons = comparison_skeletons(name)
    if skeletons & _SITE_NAME_SKELETONS:
        return True
    if any(word in skeleton for word in _ANYWHERE for skeleton in skeletons):
        return True
    for first in (False, True):
        for word in _words(name, fold_first=first):
            if word in _WHOLE_WORDS:
                return True
            if any(word.startswith(end) or word.endswith(end) for end in _AT_ENDS):
                return True
    return False


def character_problem(name: str) -> str | None:
    """Why the name's characters cannot be a public name, if they cannot.

    The messages say nothing about other members' names."""
    if any(_INVISIBLE_CHARS.contains(char) for char in name):
        return INVISIBLE
    if not any(unicodedata.category(char)[0] in "LN" for char in name):
        return NO_LETTERS
    if _SCRIPTS.check(name):
        return MIXED_SCRIPTS
    return None


def shown_name(pseudonym: str) -> str:
    """A pseudonym as other people see it.

    Names chosen before these checks existed are not changed behind their
    owner's back, but characters that draw nothing are shown as "�", so that
    "MinaW" and "MinaW" plus a Hangul filler never look the same, and a name
    with nothing visible left shows as "Unnamed member"."""
    shown = "".join(
        "\N{REPLACEMENT CHARACTER}" if _INVISIBLE_CHARS.contains(char) else char
        for char in pseudonym
    )
    if not pseudonym_skeleton(pseudonym):
        return UNNAMED
    return shown
