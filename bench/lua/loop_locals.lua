-- loop_locals.lua -- counting loop over LOCALS (counterpart of
-- bench/loop_locals.bvasm).   usage: lua loop_locals.lua [n]
local function fmt(x) return string.format("%.0f", x) end
local n = tonumber(arg and arg[1]) or 10000000
local i, s = 0, 0
while i < n do
  s = s + i
  i = i + 1
end
print("loop " .. fmt(s))
