"""The example simulation runs and conserves food."""

import importlib.util
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "foragers.py"


def test_foragers_deliver_all_the_food():
    spec = importlib.util.spec_from_file_location("foragers", EXAMPLE)
    foragers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(foragers)
    lines = []
    world, delivered = foragers.main(ticks=60, out=lines.append)
    assert sum(world.food.values()) == 0
    assert world.stock == 12 == sum(delivered.values())
    assert all(v > 0 for v in delivered.values())  # every ant worked
    assert lines[0].startswith("tick   1")
    assert lines[-1] == "food left: 0, in the nest: 12"
