"""The equipment taxonomy: GB/T 14885 tables over equipment groups over classes, and how a product's
class fits a demand's (exact, parent, sibling, or a mismatch the score excludes)."""

from __future__ import annotations

from huanxin.matching.taxonomy import EXACT, PARENT, SIBLING, load


def test_at_least_fifteen_classes_under_gbt14885_tables() -> None:
    taxonomy = load()
    classes = [node for node in taxonomy.nodes.values() if node.level == 3]
    assert len(classes) >= 15
    assert all(taxonomy.nodes[taxonomy.ancestors(node.key)[-1]].gbt14885 for node in classes)
    assert all(taxonomy.param_of(node.key) for node in classes)


def test_fits() -> None:
    taxonomy = load()
    assert taxonomy.fit("motor_induction", "motor_induction") == EXACT
    assert taxonomy.fit("motor", "motor_pm") == PARENT
    assert taxonomy.fit("motor_pm", "motor") == PARENT
    assert taxonomy.fit("electrical", "vfd") == PARENT
    assert taxonomy.fit("motor_induction", "motor_pm") == SIBLING
    assert taxonomy.fit("motor", "motor_controller") is None  # same words, another group
    assert taxonomy.fit("motor", "drive") is None  # two groups of one table are not substitutes
    assert taxonomy.fit("forklift_electric", "pump_centrifugal") is None


def test_classes_are_found_by_their_chinese_name() -> None:
    taxonomy = load()
    assert taxonomy.resolve("电动叉车") == "forklift_electric"
    assert taxonomy.resolve(" 电动机 ") == "motor"
    assert taxonomy.resolve("电饭煲") is None
