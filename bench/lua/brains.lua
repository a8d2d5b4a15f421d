-- brains.lua -- the Lua twin of the `brains` benchmark
-- (bench/harness/brains_bench.cpp, bench/brains.bvasm): every entity in its
-- own table, its three rules as functions, the host setting `hunger` every
-- tick; the cheapest design a Lua user would write.
-- usage: lua brains.lua [entities [ticks]]
local entities = tonumber(arg and arg[1]) or 10000
local ticks = tonumber(arg and arg[2]) or 60

local function act(e, kind)
  e.actions = e.actions + kind
end

local function eat(e)
  if e.hunger > 60 then
    e.energy = e.energy + 5
    act(e, 1)
  end
end

local function rest(e)
  if e.energy < 30 then
    e.energy = e.energy + 10
    act(e, 2)
  end
end

local function work(e)
  if e.energy >= 30 then
    e.energy = e.energy - 7
    e.score = e.score + 1
    act(e, 3)
  end
end

local world = {}
for i = 1, entities do
  world[i] = {hunger = 0, energy = 50, score = 0, actions = 0}
end

for t = 1, ticks do
  for i = 1, entities do
    local e = world[i]
    e.hunger = ((i - 1) * 7 + t * 13) % 100
    eat(e)
    rest(e)
    work(e)
  end
end

local sum = 0
for i = 1, entities do
  local e = world[i]
  sum = sum + e.energy + e.score * 3 + e.actions
end
print(string.format("brains %.0f", sum))
