-- async.lua -- nfibers coroutines each wait for a timer (`sleep(1)`): a
-- tick-based scheduler with a run queue and timers keyed by due tick, like
-- brainvm's run loop (counterpart of bench/async.bvasm).
-- usage: lua async.lua [nfibers]
local function fmt(x) return string.format("%.0f", x) end
local nfibers = tonumber(arg and arg[1]) or 100000
local create, resume, status, yield =
  coroutine.create, coroutine.resume, coroutine.status, coroutine.yield

local current_tick = 0
local timers = {}            -- due tick -> list of waiting coroutines
local pending = 0            -- number of pending timers
local queue, head, tail = {}, 1, 0
local function spawn(f)
  tail = tail + 1
  queue[tail] = create(f)
end
local function sleep(n) yield(n) end   -- the scheduler parks us n ticks

local total, finished = 0, 0
local function waiter()
  sleep(1)
  total = total + current_tick
  finished = finished + 1
  if finished == nfibers then print("async " .. fmt(total)) end
end

local function main()
  local i = 0
  while i < nfibers - 1 do
    spawn(waiter)
    i = i + 1
  end
  waiter()
end

spawn(main)
repeat
  current_tick = current_tick + 1
  local due = timers[current_tick]
  if due then
    timers[current_tick] = nil
    pending = pending - #due
    for j = 1, #due do
      tail = tail + 1
      queue[tail] = due[j]
    end
  end
  while head <= tail do
    local co = queue[head]
    queue[head] = nil
    head = head + 1
    local ok, n = resume(co)
    assert(ok, n)
    if status(co) == "suspended" then
      if n then                       -- sleep(n): park until tick + n
        local t = current_tick + n
        local list = timers[t]
        if not list then list = {}; timers[t] = list end
        list[#list + 1] = co
        pending = pending + 1
      else                            -- plain yield: back of the queue
        tail = tail + 1
        queue[tail] = co
      end
    end
  end
until pending == 0
