-- fib.lua -- naive recursive Fibonacci (counterpart of bench/fib.bvasm).
-- usage: lua fib.lua [n]
local function fmt(x) return string.format("%.0f", x) end
local n = tonumber(arg and arg[1]) or 27
local function fib(k)
  if k < 2 then return k end
  return fib(k - 1) + fib(k - 2)
end
print("fib " .. fmt(fib(n)))
