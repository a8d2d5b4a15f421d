-- fibers.lua -- nfibers coroutines each yielding `switches` times, run
-- round-robin by a FIFO scheduler like brainvm's run queue (counterpart of
-- bench/fibers.bvasm).   usage: lua fibers.lua [nfibers [switches]]
local function fmt(x) return string.format("%.0f", x) end
local nfibers = tonumber(arg and arg[1]) or 10000
local switches = tonumber(arg and arg[2]) or 100
local create, resume, status, yield =
  coroutine.create, coroutine.resume, coroutine.status, coroutine.yield

local total, finished = 0, 0
local queue, args, head, tail = {}, {}, 1, 0
local function spawn(f, a)
  tail = tail + 1
  queue[tail] = create(f)
  args[tail] = a
end

local function worker(k)
  local i = 0
  while i < k do
    yield()
    i = i + 1
  end
  total = total + i
  finished = finished + 1
  if finished == nfibers then print("fibers " .. fmt(total)) end
end

local function main()
  local i = 0
  while i < nfibers do
    spawn(worker, switches)
    i = i + 1
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
