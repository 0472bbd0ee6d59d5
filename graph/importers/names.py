"""Mapping tables: SIPRI and Kiel actor names to our actor ids, designations to systems,
SIPRI weapon descriptions to capability categories, and currency abbreviations to ISO 4217.

States get their ISO 3166-1 alpha-3 code; historic states their withdrawn code from
ISO 3166-3 (``SUN``, ``CSK``, ``YUG``, ``DDR``, ``YMD``); the few entities SIPRI lists as
states that never had an ISO code get a code from the range ISO leaves to users
(``X..``), listed in :data:`USER_ASSIGNED_CODES`. Non-state actors (``*``) and
international organisations (``**``) get ``sipri-<slug>`` ids unless the curated data
already names them.

>>> state_code("Turkiye"), state_code("Soviet Union"), state_code("USA")
('TUR', 'SUN', 'USA')
>>> designation_key("K-2 Black Panther") == designation_key("K2 Black Panther")
True
>>> category_for_description("self-propelled gun").value
'self_propelled_howitzer'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..model import Category

__all__ = [
    "CURRENCY_CODES",
    "DESCRIPTION_CATEGORIES",
    "DESCRIPTION_KEYWORDS",
    "NAME_VARIANTS",
    "STATE_CODES",
    "USER_ASSIGNED_CODES",
    "category_for_description",
    "currency_code",
    "designation_key",
    "name_key",
    "slug",
    "state_code",
]

# SIPRI's name (and the short forms its comments use) -> ISO 3166-1 alpha-3 (or ISO 3166-3).
STATE_CODES: dict[str, str] = {
    "Afghanistan": "AFG", "Albania": "ALB", "Algeria": "DZA", "Angola": "AGO", "Antigua and Barbuda": "ATG",
    "Argentina": "ARG", "Armenia": "ARM", "Aruba": "ABW", "Australia": "AUS", "Austria": "AUT",
    "Azerbaijan": "AZE", "Bahamas": "BHS", "Bahrain": "BHR", "Bangladesh": "BGD", "Barbados": "BRB",
    "Belarus": "BLR", "Belgium": "BEL", "Belize": "BLZ", "Benin": "BEN", "Bhutan": "BTN", "Bolivia": "BOL",
    "Bosnia-Herzegovina": "BIH", "Botswana": "BWA", "Brazil": "BRA", "Brunei": "BRN", "Bulgaria": "BGR",
    "Burkina Faso": "BFA", "Burundi": "BDI", "Cabo Verde": "CPV", "Cambodia": "KHM", "Cameroon": "CMR",
    "Canada": "CAN", "Central African Republic": "CAF", "Chad": "TCD", "Chile": "CHL", "China": "CHN",
    "Colombia": "COL", "Comoros": "COM", "Congo": "COG", "Costa Rica": "CRI", "Cote d'Ivoire": "CIV",
    "Croatia": "HRV", "Cuba": "CUB", "Cyprus": "CYP", "Czechia": "CZE", "Czechoslovakia": "CSK",
    "DR Congo": "COD", "Denmark": "DNK", "Djibouti": "DJI", "Dominican Republic": "DOM",
    "East Germany (GDR)": "DDR", "Ecuador": "ECU", "Egypt": "EGY", "El Salvador": "SLV",
    "Equatorial Guinea": "GNQ", "Eritrea": "ERI", "Estonia": "EST", "Ethiopia": "ETH", "Fiji": "FJI",
    "Finland": "FIN", "France": "FRA", "Gabon": "GAB", "Gambia": "GMB", "Georgia": "GEO", "Germany": "DEU",
    "Ghana": "GHA", "Greece": "GRC", "Grenada": "GRD", "Guatemala": "GTM", "Guinea": "GIN",
    "Guinea-Bissau": "GNB", "Guyana": "GUY", "Haiti": "HTI", "Honduras": "HND", "Hungary": "HUN",
    "Iceland": "ISL", "India": "IND", "Indonesia": "IDN", "Iran": "IRN", "Iraq": "IRQ", "Ireland": "IRL",
    "Israel": "ISR", "Italy": "ITA", "Jamaica": "JAM", "Japan": "JPN", "Jordan": "JOR", "Kazakhstan": "KAZ",
    "Kenya": "KEN", "Kosovo": "XKX", "Kuwait": "KWT", "Kyrgyzstan": "KGZ", "Laos": "LAO", "Latvia": "LVA",
    "Lebanon": "LBN", "Lesotho": "LSO", "Liberia": "LBR", "Libya": "LBY", "Lithuania": "LTU",
    "Luxembourg": "LUX", "Madagascar": "MDG", "Malawi": "MWI", "Malaysia": "MYS", "Maldives": "MDV",
    "Mali": "MLI", "Malta": "MLT", "Mauritania": "MRT", "Mauritius": "MUS", "Mexico": "MEX", "Moldova": "MDA",
    "Mongolia": "MNG", "Montenegro": "MNE", "Morocco": "MAR", "Mozambique": "MOZ", "Myanmar": "MMR",
    "Namibia": "NAM", "Nepal": "NPL", "Netherlands": "NLD", "New Zealand": "NZL", "Nicaragua": "NIC",
    "Niger": "NER", "Nigeria": "NGA", "North Korea": "PRK", "North Macedonia": "MKD", "Norway": "NOR",
    "Oman": "OMN", "Pakistan": "PAK", "Palestine": "PSE", "Panama": "PAN", "Papua New Guinea": "PNG",
    "Paraguay": "PRY", "Peru": "PER", "Philippines": "PHL", "Poland": "POL", "Portugal": "PRT", "Qatar": "QAT",
    "Romania": "ROU", "Russia": "RUS", "Rwanda": "RWA", "Saint Kitts and Nevis": "KNA", "Saint Vincent": "VCT",
    "Saudi Arabia": "SAU", "Senegal": "SEN", "Serbia": "SRB", "Seychelles": "SYC", "Sierra Leone": "SLE",
    "Singapore": "SGP", "Slovakia": "SVK", "Slovenia": "SVN", "Solomon Islands": "SLB", "Somalia": "SOM",
    "South Africa": "ZAF", "South Korea": "KOR", "South Sudan": "SSD", "South Yemen": "YMD",
    "Soviet Union": "SUN", "Spain": "ESP", "Sri Lanka": "LKA", "Sudan": "SDN", "Suriname": "SUR",
    "Sweden": "SWE", "Switzerland": "CHE", "Syria": "SYR", "Taiwan": "TWN", "Tajikistan": "TJK",
    "Tanzania": "TZA", "Thailand": "THA", "Timor-Leste": "TLS", "Togo": "TGO", "Tonga": "TON",
    "Trinidad and Tobago": "TTO", "Tunisia": "TUN", "Turkiye": "TUR", "Turkmenistan": "TKM", "UAE": "ARE",
    "Uganda": "UGA", "Ukraine": "UKR", "United Kingdom": "GBR", "United States": "USA", "Uruguay": "URY",
    "Uzbekistan": "UZB", "Vanuatu": "VUT", "Venezuela": "VEN", "Viet Nam": "VNM", "Western Sahara": "ESH",
    "Yemen": "YEM", "Yugoslavia": "YUG", "Zambia": "ZMB", "Zimbabwe": "ZWE", "eSwatini": "SWZ",
    # Entities SIPRI lists as recipients that never had an ISO code: see USER_ASSIGNED_CODES.
    "Biafra": "XBF", "Katanga": "XKT", "Northern Cyprus": "XNC", "South Vietnam": "XSV",
    "North Yemen": "XNY", "Yemen Arab Republic (North Yemen)": "XNY",
}

USER_ASSIGNED_CODES: dict[str, str] = {
    "XKX": "Kosovo (the code the EU and IMF use; Kosovo has no ISO 3166-1 code)",
    "XBF": "Biafra (1967-1970)",
    "XKT": "Katanga (1960-1963)",
    "XNC": "Northern Cyprus",
    "XSV": "South Vietnam (to 1975)",
    "XNY": "North Yemen (Yemen Arab Republic, to 1990); Yemen (YEM) is the unified state",
}
"""Our codes (from ISO's user-assigned ``X..`` range) for entities without an ISO code."""

# Other spellings found in SIPRI's comments, Kiel's files and older releases -> SIPRI's name.
NAME_VARIANTS: dict[str, str] = {
    "USA": "United States", "US": "United States", "United States of America": "United States",
    "UK": "United Kingdom", "Britain": "United Kingdom", "FRG": "Germany", "West Germany": "Germany",
    "Germany (FRG)": "Germany", "GDR": "East Germany (GDR)", "East Germany": "East Germany (GDR)",
    "USSR": "Soviet Union", "Turkey": "Turkiye", "Türkiye": "Turkiye", "Czech Republic": "Czechia",
    "Vietnam": "Viet Nam", "Ivory Coast": "Cote d'Ivoire", "Côte d'Ivoire": "Cote d'Ivoire",
    "DRC": "DR Congo", "Macedonia": "North Macedonia", "Swaziland": "eSwatini", "Cape Verde": "Cabo Verde",
    "United Arab Emirates": "UAE", "Republic of Korea": "South Korea", "Korea, South": "South Korea",
    "EU": "European Union**", "European Union": "European Union**", "NATO": "NATO**",
    "UN": "United Nations**", "United Nations": "United Nations**", "African Union": "African Union**",
    "OSCE": "OSCE**",
    # Adjectives SIPRI's comments use for payers ("financed by German aid").
    "German": "Germany", "Chinese": "China", "Indian": "India", "Belgian": "Belgium", "Luxemburg": "Luxembourg",
    # The same non-state actors under the names of two releases.
    "HoR (Libya)*": "Libya HoR*",
    "Palestinian Islamic Jihad (Israel/Palestine)*": "PIJ (Israel/Palestine)*",
}


@lru_cache(maxsize=1 << 16)  # imports ask for the same few thousand names over and over
def name_key(name: str) -> str:
    """A spelling-insensitive key for names: accents, case, punctuation and spaces removed.

    >>> name_key("Côte d'Ivoire") == name_key("Cote d'Ivoire")
    True
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NOT_KEY.sub("", text.casefold())


_NOT_KEY = re.compile(r"[^0-9a-z*]+")


_STATE_BY_KEY = {name_key(name): code for name, code in STATE_CODES.items()}
_VARIANT_BY_KEY = {name_key(variant): name for variant, name in NAME_VARIANTS.items()}


def canonical_name(name: str) -> str:
    """SIPRI's spelling of a name written another way (``USA`` -> ``United States``)."""
    return _VARIANT_BY_KEY.get(name_key(name.strip()), name.strip())


def state_code(name: str) -> str | None:
    """The ISO 3166 alpha-3 code (or our user-assigned code) of a state, or None.

    >>> state_code("unknown supplier(s)") is None
    True
    """
    return _STATE_BY_KEY.get(name_key(canonical_name(name)))


def slug(text: str, *, limit: int = 60) -> str:
    """Lower-case letters and digits joined by ``-``: ``Houthi rebels (Yemen)*`` -> ``houthi-rebels-yemen``.

    >>> slug("Houthi rebels (Yemen)*")
    'houthi-rebels-yemen'
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^0-9a-z]+", "-", text).strip("-")[:limit].strip("-") or "x"


# --------------------------------------------------------------------------- designations

DESIGNATION_VARIANTS: dict[str, str] = {
    # the transfers export writes a family without its variant as "<name> -"
    "K-2 -": "K2 Black Panther",
    "K-2": "K2 Black Panther",
}


@lru_cache(maxsize=1 << 16)  # one call per imported row, a few thousand designations
def designation_key(designation: str) -> str:
    """A key under which spellings of one designation meet: ``K2 Black Panther``,
    ``K-2 Black Panther`` and ``K-2 -`` all give ``k2blackpanther``.

    Case, spaces, hyphens and other punctuation are ignored, a trailing `` -`` (the
    transfers export's mark for "no variant") is dropped, and known variants are
    rewritten first (:data:`DESIGNATION_VARIANTS`).

    >>> designation_key("K-2 -")
    'k2blackpanther'
    >>> designation_key("T-72M1")
    't72m1'
    """
    text = designation.strip()
    text = DESIGNATION_VARIANTS.get(text, text)
    text = _NO_VARIANT.sub("", text)
    text = DESIGNATION_VARIANTS.get(text, text)
    key = name_key(text).replace("*", "")
    return key or "x"


_NO_VARIANT = re.compile(r"\s+-$")

# --------------------------------------------------------------------------- categories

DESCRIPTION_CATEGORIES: dict[str, Category] = {
    "tank": Category.main_battle_tank,
    "training tank": Category.main_battle_tank,
    "light tank": Category.armoured_support_vehicle,
    "tank destroyer": Category.armoured_support_vehicle,
    "infantry fighting vehicle": Category.infantry_fighting_vehicle,
    "apc": Category.armoured_personnel_carrier,
    "armoured personnel carrier": Category.armoured_personnel_carrier,
    "armoured car": Category.armoured_personnel_carrier,
    "self-propelled gun": Category.self_propelled_howitzer,
    "self-propelled mortar": Category.self_propelled_howitzer,
    "towed gun": Category.towed_artillery,
    "mortar": Category.towed_artillery,
    "multiple rocket launcher": Category.mlrs,
    "naval multiple rocket launcher": Category.naval_vessel,
    "coastal defence gun": Category.towed_artillery,
    "guided shell": Category.artillery_ammunition,
    "guided rocket": Category.artillery_ammunition,
    "uav": Category.uav,
    "armed uav": Category.uav,
    "(armed) uav": Category.uav,
    "maritime patrol uav": Category.uav,
    "one-way attack drone": Category.uav,
    "loitering munition": Category.uav,
    "armed ugv": Category.armoured_support_vehicle,
    "light aircraft/uav": Category.uav,
    "combat helicopter": Category.attack_helicopter,
    "anti-submarine helicopter": Category.attack_helicopter,
    "anti-ship helicopter": Category.attack_helicopter,
    "trainer aircraft": Category.trainer_aircraft,
    "(armed) trainer aircraft": Category.trainer_aircraft,
    "light /trainer aircraft": Category.trainer_aircraft,
    "light/trainer aircraft": Category.trainer_aircraft,
    "trainer/combat aircraft": Category.combat_aircraft,
    "transport/trainer aircraft": Category.transport_aircraft,
    "light aircraft": Category.transport_aircraft,
    "light transport airship": Category.transport_aircraft,
    "target tow aircraft": Category.other,
    "air refuel system": Category.component,
    "coastal defence system": Category.missile,
}
"""Exact SIPRI descriptions (lower case) -> category; checked before :data:`DESCRIPTION_KEYWORDS`."""

DESCRIPTION_KEYWORDS: tuple[tuple[str, Category], ...] = (
    # Order matters: the first pattern found in the description wins.
    (r"turret|chassis|reactor", Category.component),
    (r"engine|turbofan|turbojet|turboprop|gas turbine", Category.engine),
    (r"radar|sonar|eo system|eo search|recce system|search system|signals intelligence system|satellite",
     Category.sensor),
    (r"torpedo|mine\b|missile|\bsam\b|abm|bomb|rocket launcher", Category.missile),
    (r"anti-aircraft gun|air-defence system|ad system", Category.air_defence_system),
    (r"helicopter", Category.transport_helicopter),
    (r"fga|fighter|bomber|ground-attack|combat aircraft|electronic warfare aircraft", Category.combat_aircraft),
    (r"aircraft|tanker\b", Category.transport_aircraft),
    (r"ship|boat|submarine|frigate|corvette|destroyer|cruiser|carrier|craft|minesweeper|minehunter|"
     r"minelayer|tug|icebreaker|gunboat|naval gun|\bmcm\b|tanker", Category.naval_vessel),
    (r"armoured|vehicle|bridgelayer", Category.armoured_support_vehicle),
)
"""Patterns looked for in a SIPRI description (lower case) when it is not in :data:`DESCRIPTION_CATEGORIES`."""

_SAM_SYSTEMS = re.compile(r"\bsam system\b|mobile sam|naval sam system|abm system|portable sam|sam/abm")


def category_for_description(description: str, armament_category: str = "") -> Category:
    """The capability category for a SIPRI weapon description (and, in the transfers export,
    its armament category); ``other`` when nothing matches.

    Air-defence systems (``SAM system``, ``mobile SAM system``, ``portable SAM``) are
    ``air_defence_system``; the missiles they fire (``SAM``) are ``missile``.

    >>> category_for_description("SAM system").value, category_for_description("SAM").value
    ('air_defence_system', 'missile')
    >>> category_for_description("FGA aircraft").value
    'combat_aircraft'
    """
    text = " ".join(description.casefold().split())
    if text in DESCRIPTION_CATEGORIES:
        return DESCRIPTION_CATEGORIES[text]
    if _SAM_SYSTEMS.search(text):
        return Category.air_defence_system
    for pattern, category in DESCRIPTION_KEYWORDS:
        if re.search(pattern, text):
            return category
    by_armament = {
        "aircraft": Category.transport_aircraft,
        "armoured vehicles": Category.armoured_support_vehicle,
        "artillery": Category.towed_artillery,
        "missiles": Category.missile,
        "ships": Category.naval_vessel,
        "sensors": Category.sensor,
        "engines": Category.engine,
        "air defence systems": Category.air_defence_system,
        "satellites": Category.sensor,
        "naval weapons": Category.naval_vessel,
    }
    return by_armament.get(armament_category.casefold().strip(), Category.other)


# --------------------------------------------------------------------------- currencies

CURRENCY_CODES: dict[str, str] = {
    "$": "USD", "US$": "USD",
    # SIPRI's own abbreviations -> ISO 4217 (withdrawn codes for replaced currencies)
    "DKR": "DKK", "FFR": "FRF", "BFR": "BEF", "HFL": "NLG", "ASH": "ATS", "NTD": "TWD", "NIS": "ILS",
    # Not mapped on purpose: AUP and NZP (pounds before the dollars), AUS, CAS, GDP, INS, MNX, RRS:
    # ambiguous, so their values stay in the comment text only.
}
_ISO_4217 = frozenset(
    [
        "USD", "EUR", "GBP", "AUD", "SEK", "INR", "THB", "CAD", "PHP", "KRW", "AED", "CHF", "NOK", "NZD", "CZK", "MYR",
        "PLN", "ZAR", "DKK", "BRL", "TWD", "HUF", "MXN", "BDT", "SGD", "JPY", "KES", "QAR", "RON", "BOB", "BGN", "CNY",
        "IDR", "MAD", "NGN", "PYG", "ILS", "RUB", "TRY", "SAR", "EGP", "PKR", "UAH", "CLP", "COP", "PEN", "ARS", "VND",
        "KZT", "UGX", "SRD", "EEK", "LTL", "LVL", "HRK", "ESP", "DEM", "FIM", "SKK", "FRF", "BEF", "NLG", "ATS", "ITL",
        "GRD", "PTE", "IEP", "SIT",
    ]
)


def currency_code(abbreviation: str) -> str | None:
    """The ISO 4217 code for a currency as SIPRI writes it (``$`` -> ``USD``, ``DKR`` -> ``DKK``),
    or None when we do not know it for certain.

    >>> currency_code("$"), currency_code("EUR"), currency_code("FFR"), currency_code("CAS")
    ('USD', 'EUR', 'FRF', None)
    """
    code = CURRENCY_CODES.get(abbreviation, abbreviation)
    return code if code in _ISO_4217 else None
