"""The cockpit's figures of the equipment-renewal market (issue 18, item 7): deals signed through the
supply–demand matching with their local share, and the financing needs with what banks granted and
disbursed and the interest subsidy paid. The two domains compute them (matching's statistics, the
financing figures); the cockpit shows the city's totals and links to the tables by county and field."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from huanxin.financing import figures as financing_figures
from huanxin.matching.catalogue import deals as matching_deals
from huanxin.orgs.scope import Scope


@dataclass(frozen=True)
class MarketFigures:
    contacts: int
    deals: int
    deal_fen: int
    local_share: float | None  # of deals by count, None without deals
    needs: int
    requested_fen: int
    granted_fen: int
    disbursed_fen: int
    subsidy_paid_fen: int


def market_figures(session: Session, scope: Scope) -> MarketFigures:
    """The city's totals; both domains refuse a reader that is not city-wide, as the cockpit does."""
    _, deals = matching_deals.statistics(session, scope)
    money = financing_figures.figures(session, scope).total
    return MarketFigures(contacts=deals.contacts, deals=deals.deals, deal_fen=deals.amount_fen,
                         local_share=deals.local_share, needs=money.needs, requested_fen=money.requested_fen,
                         granted_fen=money.granted_fen, disbursed_fen=money.disbursed_fen,
                         subsidy_paid_fen=money.subsidy_paid_fen)
