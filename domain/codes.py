"""Who acts and in what money: ISO 3166-1 alpha-2 jurisdictions (plus ``EU``) and ISO 4217
currencies, from pycountry's copy of the ISO tables."""

from __future__ import annotations

import pycountry

JURISDICTIONS: frozenset[str] = frozenset(
    {country.alpha_2 for country in pycountry.countries} | {"EU"}
)
CURRENCIES: frozenset[str] = frozenset(currency.alpha_3 for currency in pycountry.currencies)


def is_jurisdiction(code: str) -> bool:
    return code in JURISDICTIONS


def is_currency(code: str) -> bool:
    return code in CURRENCIES
