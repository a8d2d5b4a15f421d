-- list.lua -- build a list of n numbers, then sum it by index, `rounds`
-- times (counterpart of bench/list.bvasm).   usage: lua list.lua [n [rounds]]
local function fmt(x) return string.format("%.0f", x) end
local n = tonumber(arg and arg[1]) or 1000000
local rounds = tonumber(arg and arg[2]) or 10
local total = 0
local r = 0
while r < rounds do
  local xs = {}
  local i = 0
  while i < n do
    xs[i + 1] = i          -- list_push (Lua arrays are 1-based)
    i = i + 1
  end
  i = 0
  while i < n do
    total = total + xs[i + 1]
    i = i + 1
  end
  r = r + 1
end
print("list " .. fmt(total))
