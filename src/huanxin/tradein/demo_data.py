"""The trade-in part of the demo (`huanxin demo`), now split by use case under `huanxin.tradein.demo`;
this module keeps the names callers import from it."""

from huanxin.tradein.demo import generate
from huanxin.tradein.demo.specs import DEFAULT_CLAIMS, CitySpec, Summary, city_specs
from huanxin.tradein.demo.walkthroughs import Walkthrough, walkthroughs

__all__ = ["DEFAULT_CLAIMS", "CitySpec", "Summary", "Walkthrough", "city_specs", "generate", "walkthroughs"]
