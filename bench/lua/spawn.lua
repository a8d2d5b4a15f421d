-- spawn.lua -- nfibers short coroutines created, resumed to completion and
-- collected (counterpart of bench/spawn.bvasm): main creates them in
-- batches of `batch` and yields after each batch so the batch runs.
-- usage: lua spawn.lua [nfibers [batch]]
local function fmt(x) return string.format("%.0f", x) end
local nfibers = tonumber(arg and arg[1]) or 100000
local batch = tonumber(arg and arg[2]) or 1000
local create, resume, status, yield =
  coroutine.create, coroutine.resume, coroutine.status, coroutine.yield

local total, finished = 0, 0
local queue, args, head, tail = {}, {}, 1, 0
local function spawn(f, a)
  tail = tail + 1
  queue[tail] = create(f)
  args[tail] = a
end

local function child(x)
  total = total + x
  finished = finished + 1
  if finished == nfibers then print("spawn " .. fmt(total)) end
end

local function main()
  local i = 0
  while i < nfibers do
    spawn(child, i)
    i = i + 1
    if i % batch == 0 then yield() end
  end
end

spawn(main)
while head <= tail do
  local co, a = queue[head], args[head]
  queue[head], args[head] = nil, nil
  head = head + 1
  assert(resume(co, a))
  if status(co) == "suspended" then
    tail = tail + 1
    queue[tail], args[tail] = co, a
  end
end
