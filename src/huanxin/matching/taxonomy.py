"""The equipment taxonomy the matcher reads (data/matching_taxonomy.yaml, sources in its header and in
docs/matching.md): GB/T 14885 tables at the top, equipment groups below them, equipment classes below
those. How a product's class fits a demand's class is one of four answers:

- exact: the same class;
- parent: one is an ancestor of the other (a demand written as 电动机 fits a 永磁同步电动机);
- sibling: two classes under the same equipment group (异步电机 for a 永磁电机 demand): a substitute;
- None: anything else (电机控制器 for an 电动机 demand), which the score treats as a hard mismatch.

Two classes that only share a GB/T 14885 table (电动机 and 变压器 are both 电气设备) are not siblings:
the table is too broad for a substitute."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

EXACT, PARENT, SIBLING = "exact", "parent", "sibling"
TAXONOMY_FILE = Path(__file__).resolve().parents[1] / "data" / "matching_taxonomy.yaml"

PARAMETERS: dict[str, tuple[str, str]] = {
    # key: (Chinese label, unit) — the key parameter a class's size is read into
    "power_kw": ("额定功率", "kW"),
    "capacity_kva": ("额定容量", "kVA"),
    "flow_m3h": ("流量", "m³/h"),
    "airflow_m3h": ("风量", "m³/h"),
    "flow_m3min": ("排气量", "m³/min"),
    "steam_th": ("额定蒸发量", "t/h"),
    "travel_mm": ("X轴行程", "mm"),
    "capacity_t": ("额定起重量", "t"),
    "payload_kg": ("额定负载", "kg"),
    "cpu_cores": ("处理器核数", "核"),
    "slices": ("探测器排数", "排"),
    "probes": ("探头数", "个"),
}


@dataclass(frozen=True)
class Node:
    key: str
    name: str
    parent: str | None
    level: int  # 1 = GB/T 14885 table, 2 = equipment group, 3 = equipment class
    gbt14885: str = ""
    direction: str = ""
    words: tuple[str, ...] = ()
    param: str | None = None


@dataclass
class Taxonomy:
    nodes: dict[str, Node]
    by_name: dict[str, str] = field(default_factory=dict)
    _fits: dict[tuple[str, str], str | None] = field(default_factory=dict)
    _params: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for node in self.nodes.values():
            self.by_name[node.name] = node.key

    def resolve(self, value: str) -> str | None:
        """A class key from its key or its Chinese name (enterprises write names), else None."""
        value = value.strip()
        if value in self.nodes:
            return value
        return self.by_name.get(value)

    def name(self, key: str) -> str:
        node = self.nodes.get(key)
        return node.name if node else key

    def ancestors(self, key: str) -> list[str]:
        chain: list[str] = []
        parent = self.nodes[key].parent if key in self.nodes else None
        while parent is not None:
            chain.append(parent)
            parent = self.nodes[parent].parent
        return chain

    def fit(self, demand: str, product: str) -> str | None:
        """How a product's class fits a demand's class (module docstring)."""
        pair = (demand, product)
        if pair not in self._fits:
            self._fits[pair] = self._fit(demand, product)
        return self._fits[pair]

    def _fit(self, demand: str, product: str) -> str | None:
        if demand not in self.nodes or product not in self.nodes:
            return None
        if demand == product:
            return EXACT
        if demand in self.ancestors(product) or product in self.ancestors(demand):
            return PARENT
        parent_d, parent_p = self.nodes[demand].parent, self.nodes[product].parent
        if parent_d is not None and parent_d == parent_p and self.nodes[parent_d].level >= 2:
            return SIBLING
        return None

    def compatible(self, demand: str) -> dict[str, str]:
        """Every product class that fits a demand's class, with its fit: what the ranking indexes."""
        return {key: fit for key in self.nodes if (fit := self.fit(demand, key)) is not None}

    def param_of(self, key: str) -> str | None:
        """The key parameter of a class, inherited from its group when the class names none."""
        if key not in self._params:
            found = (self.nodes[c].param for c in [key, *self.ancestors(key)] if c in self.nodes)
            self._params[key] = next((param for param in found if param), None)
        return self._params[key]

    def words(self) -> set[str]:
        return {word for node in self.nodes.values() for word in (node.name, *node.words)}


def _node(raw: dict[str, object], levels: dict[str, int]) -> Node:
    parent = raw.get("parent")
    key = str(raw["key"])
    level = 1 if parent is None else levels[str(parent)] + 1
    levels[key] = level
    words = raw.get("words") or []
    assert isinstance(words, list)
    param = raw.get("param")
    return Node(key=key, name=str(raw["name"]), parent=str(parent) if parent else None, level=level,
                gbt14885=str(raw.get("gbt14885") or ""), direction=str(raw.get("direction") or ""),
                words=tuple(str(word) for word in words), param=str(param) if param else None)


@lru_cache(maxsize=1)
def load() -> Taxonomy:
    """The packaged taxonomy (parents are listed before their children in the file)."""
    text = TAXONOMY_FILE.read_text(encoding="utf-8")
    levels: dict[str, int] = {}
    nodes = [_node(raw, levels) for raw in yaml.safe_load(text)]
    for node in nodes:
        if node.param is not None and node.param not in PARAMETERS:
            raise ValueError(f"taxonomy class {node.key}: unknown parameter {node.param}")
    return Taxonomy({node.key: node for node in nodes})
