#!/usr/bin/env python3
"""A small simulation: ants on a strip of land, each driven by the same
brain (forager.bvasm), carry food from two patches to their nest.

The program is assembled and verified once and shared by every ant's
Runner. The world gives each ant its own host functions (closures over
the ant): sync ones to sense and move, an async one (`dig`) that the world
settles a few ticks later from the per-tick callback. Run it:

    python3 bindings/python/examples/foragers.py
"""

import sys
from pathlib import Path

try:
    import brainvm
except ImportError:  # not installed: the package of this checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import brainvm

BRAIN = Path(__file__).with_name("forager.bvasm")
WIDTH = 24
NEST = 12
DIG_TICKS = 2  # how long digging takes


class Ant:
    def __init__(self, name, position):
        self.name = name
        self.position = position
        self.tick = 0
        self.digs = []  # (due tick, Pending, amount)


class World:
    def __init__(self, food):
        self.food = dict(food)  # position -> units left
        self.stock = 0          # units delivered to the nest

    def nearest_food(self, position):
        places = [p for p, units in self.food.items() if units > 0]
        return min(places, key=lambda p: (abs(p - position), p)) if places else None

    def hosts_for(self, ant):
        """The host functions of one ant's brain."""
        world = self

        def step(target):
            if target != ant.position:
                ant.position += 1 if target > ant.position else -1

        def on_food():
            return world.food.get(ant.position, 0) > 0

        def step_to_food():
            target = world.nearest_food(ant.position)
            if target is None:
                return -1
            step(target)
            return abs(target - ant.position)

        def step_home():
            step(NEST)
            return ant.position == NEST

        def deliver(amount):
            world.stock += int(amount)
            return world.stock

        def dig(pending):
            units = min(2, world.food.get(ant.position, 0))
            world.food[ant.position] = world.food.get(ant.position, 0) - units
            ant.digs.append((ant.tick + DIG_TICKS, pending, units))

        hosts = brainvm.HostFunctions()
        for fn in (on_food, step_to_food, step_home, deliver):
            hosts.add(fn)
        hosts.add(dig, async_=True)
        return hosts

    def on_tick_for(self, ant):
        """The per-tick callback of one ant's runner: finished digs."""
        def on_tick(runtime, tick):
            ant.tick = tick
            for due, pending, units in [d for d in ant.digs if d[0] <= tick]:
                pending.resolve(units)
            ant.digs = [d for d in ant.digs if d[0] > tick]
        return on_tick

    def draw(self, ants):
        cells = ["."] * WIDTH
        for p, units in self.food.items():
            if units > 0:
                cells[p] = "*"
        cells[NEST] = "N"
        for ant in ants:
            cells[ant.position] = ant.name
        return "".join(cells)


def main(ticks=60, out=print):
    program = brainvm.Program.load(BRAIN)
    program.verify()  # once, for every ant
    world = World({3: 6, 20: 6})
    ants = [Ant("a", 0), Ant("b", 8), Ant("c", 15), Ant("d", 23)]
    runners = [
        brainvm.Runner(program, ticks=ticks, budget=200, max_heap_bytes=1 << 20,
                       hosts=world.hosts_for(ant), on_tick=world.on_tick_for(ant))
        for ant in ants
    ]
    for frame in range(1, ticks + 1):
        for runner in runners:
            runner.step()
        if frame % 10 == 0 or frame == 1:
            out(f"tick {frame:3}  {world.draw(ants)}  nest: {world.stock}")
    delivered = {}
    for ant, runner in zip(ants, runners):
        report = runner.report()
        delivered[ant.name] = int(report.variables["delivered"])
        assert report.rules[0].faults == 0, report.rules[0].error
    out("delivered per ant: " + ", ".join(f"{k}={v}" for k, v in delivered.items()))
    out(f"food left: {sum(world.food.values())}, in the nest: {world.stock}")
    return world, delivered


if __name__ == "__main__":
    main()
