"""How many records `portal demo load` creates, counted by kind, for the command-line tests."""

from portal.demo.loader import demo_accounts
from portal.demo.supply import COUNCIL_HOMES, SCHEMES

# The platform office, the authorities, providers, their settings, vacancies and accounts.
DIRECTORY = 481
# Every demo account's fixed authenticator: a second-factor enrolment each.
AUTHENTICATORS = len(demo_accounts())
# Devon's commissioning officer and the five tenders' steps, each to its stage
# (portal/demo/tenders.py): engagement, questionnaire answers, clarifications, bids,
# evaluation, award and the framework and block contracts.
TENDERS = 87
# The sample Ofsted register, imported in one step (portal/demo/ofsted.py).
OFSTED = 1
# Every authority's two years of fostering returns, imported in one step each
# (portal/demo/fostering.py).
FOSTERING = 8
# Council homes (each recorded with its first stage, then a step each) and places in
# development (portal/demo/supply.py).
SUPPLY = sum(len(home.steps) for home in COUNCIL_HOMES) + len(SCHEMES)
WITHOUT_PLACEMENTS = DIRECTORY + AUTHENTICATORS + TENDERS + OFSTED + FOSTERING + SUPPLY
