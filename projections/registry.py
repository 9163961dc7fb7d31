"""Every projection the portal runs, in one place."""

from __future__ import annotations

from projections.adjacency import Adjacency
from projections.audit.index import AuditIndex
from projections.audit.log import VerifiableLog
from projections.base import Projection
from projections.board_searches import BoardSearches
from projections.directory import Directory
from projections.fostering import Fostering
from projections.gazetteer import Gazetteer
from projections.home_searches import HomeSearches
from projections.identity_providers import IdentityProviders
from projections.notices import Notices
from projections.out_of_area import OutOfArea
from projections.placements import Placements
from projections.provider_contacts import ProviderContacts
from projections.quality import Quality
from projections.referrals import Referrals
from projections.search_notices import SearchNotices
from projections.supply import Supply
from projections.tender_documents import TenderDocuments
from projections.tenders import Tenders
from projections.unmet_need import UnmetNeed
from projections.vacancies import ProviderVacancies, VacancyBoard
from projections.vacancy_holders import VacancyHolders
from projections.webhooks import WebhookFeed


def all_projections() -> list[Projection]:
    return [Directory(), VacancyBoard(), ProviderVacancies(), Placements(), VerifiableLog(),
            AuditIndex(), Gazetteer(), Tenders(), IdentityProviders(),
            TenderDocuments(), Notices(), HomeSearches(), Referrals(), UnmetNeed(),
            SearchNotices(), Adjacency(), OutOfArea(), Quality(), ProviderContacts(),
            BoardSearches(), VacancyHolders(), Fostering(), Supply(),
            WebhookFeed()]
