-- map.lua -- insert n string keys "k" .. i into a new table, then look each
-- up again, `rounds` times (counterpart of bench/map.bvasm).
-- usage: lua map.lua [n [rounds]]
local function fmt(x) return string.format("%.0f", x) end
local n = tonumber(arg and arg[1]) or 200000
local rounds = tonumber(arg and arg[2]) or 5
local total = 0
local r = 0
while r < rounds do
  local m = {}
  local i = 0
  while i < n do
    m["k" .. i] = i
    i = i + 1
  end
  i = 0
  while i < n do
    total = total + m["k" .. i]
    i = i + 1
  end
  r = r + 1
end
print("map " .. fmt(total))
