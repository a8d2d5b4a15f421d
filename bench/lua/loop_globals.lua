-- loop_globals.lua -- counting loop over GLOBALS (counterpart of
-- bench/loop.bvasm, whose load_var/store_var are name-resolved shared
-- variables).   usage: lua loop_globals.lua [n]
local function fmt(x) return string.format("%.0f", x) end
n = tonumber(arg and arg[1]) or 10000000
i, s = 0, 0
while i < n do
  s = s + i
  i = i + 1
end
print("loop " .. fmt(s))
