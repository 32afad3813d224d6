"""The frozen name lists that :mod:`leadhunter.domain.normalize` judges a host against.

Three lists, all offline: the Public Suffix List bundled in ``publicsuffixlist`` (ICANN and private
sections), the special-use top-level domains that are never a customer, and the personal mailbox
providers in ``data/consumer_domains.txt``. Each is loaded on first use, not at import, and then kept for
the life of the process.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from publicsuffixlist import PublicSuffixList

__all__ = ["RESERVED_TLDS", "is_consumer_domain", "public_suffixes"]

# Special-use names (RFC 6761, 6762, 7686, 9476, ICANN's .internal, the .arpa infrastructure zone) and
# the common "localdomain": never a customer, though .onion and .arpa are in the Public Suffix List.
# example.com/.net/.org stay valid on purpose: they are registered names that fixtures and demos use.
RESERVED_TLDS = frozenset(
    {"localhost", "local", "test", "example", "invalid", "onion", "alt", "internal", "arpa", "localdomain"}
)

_CONSUMER_DATA = "data/consumer_domains.txt"


def is_consumer_domain(domain: str) -> bool:
    """True when ``domain`` (an ASCII registrable domain such as ``yahoo.co.uk``) is a personal mailbox
    provider listed in ``data/consumer_domains.txt``, either exactly or as a family (``yahoo.*``).

    Pass the registrable domain, not a host: ``mail.yahoo.com`` is not matched. Case and one trailing
    dot are forgiven.
    """
    name = domain.strip().lower().removesuffix(".")
    exact, families = _consumer_rules()
    if name in exact:
        return True
    first, dot, rest = name.partition(".")
    if not dot or first not in families:
        return False
    # A family matches under ICANN suffixes only: "yahoo.co.uk" is Yahoo's, "yahoo.blogspot.com" is
    # somebody's blog.
    return _icann_suffixes().publicsuffix(name, accept_unknown=False) == rest


@cache
def public_suffixes() -> PublicSuffixList:
    """The bundled Public Suffix List, ICANN and private sections (parsing it takes ~40 ms).

    Built on first use, not at import. Two threads racing here may each build one; the loser's copy is
    simply dropped, and reading the list is thread-safe.
    """
    return PublicSuffixList()


@cache
def _icann_suffixes() -> PublicSuffixList:
    """The ICANN section only; built the first time a consumer family such as ``yahoo.*`` is seen."""
    return PublicSuffixList(only_icann=True)


@cache
def _consumer_rules() -> tuple[frozenset[str], frozenset[str]]:
    """``(exact domains, family first labels)`` from ``data/consumer_domains.txt``."""
    # Resolved against the package, not this module, so the data file stays where packaging puts it.
    text = resources.files("leadhunter.domain").joinpath(_CONSUMER_DATA).read_text(encoding="utf-8")
    exact: set[str] = set()
    families: set[str] = set()
    for line in text.splitlines():
        entry = line.partition("#")[0].strip().lower()
        if entry.endswith(".*"):
            families.add(entry.removesuffix(".*"))
        elif entry:
            exact.add(entry)
    return frozenset(exact), frozenset(families)
