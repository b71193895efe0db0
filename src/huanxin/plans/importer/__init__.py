"""The plan importer: reads a city's plan document (.txt/.docx/.pdf) and proposes the whole ledger
(metadata, targets, task tree, units), which a person reviews and commits (issue 3).

    parser.parse(filename, data, city)   → Proposal (pure, no database)
    service.start / apply_edits / commit → the review flow over the database (never commits)
"""

from huanxin.plans.importer.parser import CityContext, parse, parse_text
from huanxin.plans.importer.proposal import Proposal, to_plan_doc

__all__ = ["CityContext", "Proposal", "parse", "parse_text", "to_plan_doc"]
