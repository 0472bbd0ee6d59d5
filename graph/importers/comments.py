"""Mining SIPRI's Comments column: deal values, aid, financing, leases, licences and backfill hints.

SIPRI writes its comments in a compact house style (commas turned into ``;``):
``$3.3 b deal; incl production under licence in Poland``, ``Second-hand; aid``,
``financed by Denmark``, ``aid (as replacement for 30 BMP-1 IFV delivered to Ukraine)``.
:func:`mine_comment` reads what can be read reliably and leaves the rest to the
comment text, which importers keep verbatim as evidence.

>>> facts = mine_comment("KRW1 tr ($750 m) deal; financed by USA")
>>> facts.values[0].millions, facts.values[0].currency, facts.values[0].usd_millions
(1000000.0, 'KRW', 750.0)
>>> facts.aid, facts.financed_by
(False, ('United States',))
>>> mine_comment("Second-hand; aid (as replacement for 30 BMP-1 IFV delivered v to Ukraine as aid)").backfill
(BackfillHint(phrase='as replacement for', text='30 BMP-1 IFV delivered v to Ukraine as aid'),)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .names import canonical_name, currency_code

__all__ = ["BackfillHint", "CommentFacts", "DealValue", "mine_comment", "parse_money"]

_UNITS = {"k": 0.001, "m": 1.0, "b": 1000.0, "tr": 1_000_000.0}

_MONEY = re.compile(
    r"(?<![A-Za-z0-9])(?P<cur>\$|US\$|[A-Z]{3})\s?(?P<lo>\d+(?:\.\d+)?)(?:\s?-\s?(?P<hi>\d+(?:\.\d+)?))?"
    r"\s?(?P<unit>tr|m|b|k)(?![A-Za-z])"
)
# What every sum has (a currency's last character, then a digit): most comments have none, and this
# search is much faster than _MONEY's, whose look-behind is tried at every position.
_MAYBE_MONEY = re.compile(r"[$A-Z]\s?\d")
_DEAL = re.compile(r"\W{0,3}(deal|contract)\b")
_EQUIVALENT = re.compile(
    r"^\s*[(\[]\s*(?:\$|US\$|USD)\s?(\d+(?:\.\d+)?)(?:\s?-\s?\d+(?:\.\d+)?)?\s?(tr|m|b|k)(?![A-Za-z])"
)


@dataclass(frozen=True)
class DealValue:
    """A sum named in a comment, in millions, with its ISO 4217 code.

    ``upper`` is set for a range (``$519-560 m``); ``usd_millions`` when SIPRI adds a US dollar
    equivalent in brackets; ``part_of`` when the comment says the deal is part of a larger one
    (the sum is then the larger deal's); ``deal`` when the sum is followed by ``deal``.
    """

    millions: float
    currency: str
    text: str
    upper: float | None = None
    usd_millions: float | None = None
    part_of: bool = False
    deal: bool = False

    def describe(self) -> str:
        """``3,300 m USD`` (``519-560 m USD`` for a range)."""
        amount = _number(self.millions)
        if self.upper is not None:
            amount += f"-{_number(self.upper)}"
        return f"{amount} m {self.currency}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:,.3g}"


@dataclass(frozen=True)
class BackfillHint:
    """A phrase that ties this deal to another one, and the text it governs."""

    phrase: str
    text: str


@dataclass(frozen=True)
class CommentFacts:
    """What :func:`mine_comment` found in one comment."""

    values: tuple[DealValue, ...] = ()
    unknown_currencies: tuple[str, ...] = ()
    aid: bool = False
    financed_by: tuple[str, ...] = ()
    lease: bool = False
    loan: bool = False
    licensed: bool = False
    not_yet_ordered: bool = False
    backfill: tuple[BackfillHint, ...] = ()

    @property
    def deal_value(self) -> DealValue | None:
        """The deal's own value: the first sum followed by ``deal`` and not ``part of`` a larger one."""
        for value in self.values:
            if value.deal and not value.part_of:
                return value
        return None


def parse_money(text: str) -> tuple[list[DealValue], list[str]]:
    """Every sum in ``text`` with a known currency, and the abbreviations we could not map.

    >>> values, unknown = parse_money("Part of PLN13 b ($3 b) deal; EUR650 m deal; XYZ2 m deal")
    >>> [(v.millions, v.currency, v.usd_millions, v.part_of, v.deal) for v in values]
    [(13000.0, 'PLN', 3000.0, True, True), (650.0, 'EUR', None, False, True)]
    >>> unknown
    ['XYZ']
    """
    values: list[DealValue] = []
    unknown: list[str] = []
    if not _MAYBE_MONEY.search(text):
        return values, unknown
    skip_until = -1
    for match in _MONEY.finditer(text):
        if match.start() < skip_until:
            continue  # the bracketed dollar equivalent of the previous sum
        code = currency_code(match["cur"])
        scale = _UNITS[match["unit"]]
        rest = text[match.end():]
        equivalent = _EQUIVALENT.match(rest)
        usd = float(equivalent[1]) * _UNITS[equivalent[2]] if equivalent else None
        if equivalent:
            skip_until = match.end() + equivalent.end()
            rest = rest[equivalent.end():]
        if code is None:
            unknown.append(match["cur"])
            continue
        before = text[max(0, match.start() - 12):match.start()].casefold()
        values.append(
            DealValue(
                millions=float(match["lo"]) * scale,
                currency=code,
                text=match.group(0) + (equivalent.group(0) if equivalent else ""),
                upper=float(match["hi"]) * scale if match["hi"] else None,
                usd_millions=usd if code != "USD" else None,
                part_of="part of" in before,
                deal=bool(_DEAL.match(rest)),
            )
        )
    return values, unknown


_FINANCED = re.compile(r"financed by ([^;()]+)", re.IGNORECASE)
_FINANCE_STOP = re.compile(
    r"\b(?:as|for|with|under|after|in|on|to|who|which|while|because|but|through|via|since)\b.*$", re.IGNORECASE
)
_FINANCE_NOISE = re.compile(
    r"'[^']*'|\baid from\b|\baid\b|\bloan\b|\bcredit\b|\bprogramme\b|\bpartly\b|\bpartially\b|\bmostly\b",
    re.IGNORECASE,
)
_BACKFILL = re.compile(
    r"\b(as replacement for|in return for|as compensation for|to replace)\s+([^;)]+)", re.IGNORECASE
)

_PAYER_SEPARATORS = re.compile(r"\band/or\b|\band\b|/|&")
_AID = re.compile(r"\baid\b", re.IGNORECASE)
_LEASE = re.compile(r"\blease[ds]?\b|\bleasing\b")
_LOAN = re.compile(r"\bon loan\b|\bloaned\b|(?:^|;)\s*loan\b")
_LICENSED = re.compile(r"produced under licen[cs]e")
_NOT_YET_ORDERED = re.compile(r"not yet ordered|not yet signed")


def _payers(clause: str) -> list[str]:
    text = _FINANCE_STOP.sub("", clause)
    text = _FINANCE_NOISE.sub(" ", text)
    names = []
    for part in _PAYER_SEPARATORS.split(text):
        name = " ".join(part.split()).strip(" .")
        if name:
            names.append(canonical_name(name))
    return names


def mine_comment(comment: str) -> CommentFacts:
    """Read a SIPRI comment; see the module docstring.

    ``aid`` is true when the comment calls the deal aid outside a ``financed by ... aid``
    clause (a sale paid for by a third party's aid stays a sale, financed by that party).

    >>> f = mine_comment("Financed by EU and USA aid after 2022 Russian invasion of Ukraine; Rosomak version")
    >>> f.aid, f.financed_by
    (False, ('European Union**', 'United States'))
    >>> mine_comment("3-year lease").lease, mine_comment("Produced under licence in Poland").licensed
    (True, True)
    >>> mine_comment("incl production under licence in Poland").licensed
    False
    """
    if not comment:
        return CommentFacts()
    values, unknown = parse_money(comment)
    lowered = comment.casefold()
    # Most comments name none of these: a substring test rules a pattern out far faster than the pattern.
    # For the case-insensitive patterns the test is exact on ASCII text only (re's IGNORECASE also matches
    # the Kelvin sign to k, the long s to s ...), so other text always goes through the patterns.
    ascii_text = comment.isascii()
    financed: list[str] = []
    outside = comment
    if not ascii_text or "financed by" in lowered:
        for match in _FINANCED.finditer(comment):
            financed.extend(_payers(match[1]))
        outside = _FINANCED.sub(" ", comment)
    backfill: tuple[BackfillHint, ...] = ()
    if not ascii_text or "replace" in lowered or "in return for" in lowered or "compensation for" in lowered:
        backfill = tuple(BackfillHint(m[1].casefold(), " ".join(m[2].split())) for m in _BACKFILL.finditer(comment))
    return CommentFacts(
        values=tuple(values),
        unknown_currencies=tuple(unknown),
        aid=(not ascii_text or "aid" in lowered) and bool(_AID.search(outside)),
        financed_by=tuple(dict.fromkeys(financed)),
        lease="leas" in lowered and bool(_LEASE.search(lowered)),
        loan="loan" in lowered and bool(_LOAN.search(lowered)),
        licensed="produced under licen" in lowered and bool(_LICENSED.search(lowered)),
        not_yet_ordered="not yet " in lowered and bool(_NOT_YET_ORDERED.search(lowered)),
        backfill=backfill,
    )
