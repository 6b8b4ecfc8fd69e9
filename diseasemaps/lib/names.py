"""One spelling of a name for comparing names: what the condition-name index
stores and what a reader's search is turned into before it is compared.

Readers type "crow fukase", sources write "Crow–Fukase" (en dash) or
"Crow-Fukase", "Sjögren's" or "Sjogren's", "MYASTHENIA GRAVIS". Comparing
the normalised forms makes these equal, so an exact match means the same name
and the index needs no case- or accent-insensitive collation (which SQLite
lacks and PostgreSQL's indexes would have to be built for).
"""

import re
import unicodedata

# Apostrophes join what they separate ("Crohn's" is "crohns", as readers
# type it without one); every other mark (dashes, commas, brackets, slashes,
# middle dots) separates words.
APOSTROPHES = re.compile(r"['’ʼ‘`´]")
NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Casefolded, without accents, punctuation and dashes as spaces, one
    space between words: "Crow–Fukase" = "Crow-Fukase" = "crow fukase"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    # Combining marks are the accents NFKD split off ("ö" is "o" + "¨").
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    joined = APOSTROPHES.sub("", bare.casefold())
    return " ".join(NOT_WORD.sub(" ", joined).split())


def initial(normalised: str) -> str:
    """The A–Z index's letter for a normalised name ("" for an empty one)."""
    return normalised[:1].upper()
