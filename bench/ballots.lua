-- wrk script for bench/ballots.py: every request is one voter's ballot, with that voter's own token.
--
--   AGORA_BENCH_VOTERS=voters.tsv AGORA_BENCH_RESULT=result.json \
--   wrk -t1 -c32 -d460s --timeout 60s -s bench/ballots.lua http://127.0.0.1:PORT/api/v1/consultations/ID/ballot
--
-- voters.tsv has one line per voter: "<bearer token>\t<JSON body>". Each line is sent exactly once;
-- as fast as the connections allow, or, with AGORA_BENCH_RATE=R (ballots/s, bench/closing_rush.py),
-- at a constant arrival rate: the k-th ballot is due at start + (k - 1) / R, whichever connection is
-- free takes it, and delay() holds it until then (wrk's latency is measured from the moment the
-- request is written, so a ballot that waited for its slot is not counted as slow). When every
-- connection is busy at a ballot's due time, it leaves late: the script counts such ballots and the
-- worst lateness, so a run that could not hold the rate says so. AGORA_BENCH_SECONDS=S (paced runs,
-- tests/reliability/soak.py) stops offering ballots S seconds after the first: the ballots already
-- sent are answered, the rest of the file is left unsent, and the run ends.
-- once every ballot is out, connections idle (delay), and when the last answer is in the script
-- interrupts wrk itself (SIGINT), so the run lasts as long as the ballots take. One wrk thread only
-- (-t1): the counters below live in that thread's Lua state. LuaJIT's ffi gives a monotonic clock
-- (the same clock as Python's time.monotonic) and kill(). wrk's own "timeout" count is not an error
-- count here: it also counts, every 2 s, each connection that never had a ballot to send (see
-- bench/ballots.py, where failed ballots are counted from the answers).

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } agora_timespec;
  int clock_gettime(int clock_id, agora_timespec *tp);
  int getpid(void);
  int kill(int pid, int sig);
]]
local CLOCK_MONOTONIC, SIGINT = 1, 2
local clock = ffi.new("agora_timespec")

local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end

-- Globals (not locals): done() reads them from the thread with thread:get().
requests, total, reserved, waiting, sent, received = {}, 0, 0, 0, 0, 0
statuses, codes, first_sent, last_received = {}, {}, 0, 0
rate, started, late, worst_late = 0, nil, 0, 0 -- pacing (AGORA_BENCH_RATE), see below
seconds, stopped = 0, 0 -- AGORA_BENCH_SECONDS: stopped is 1 once the time is up

function init(args)
  local path = assert(os.getenv("AGORA_BENCH_VOTERS"), "AGORA_BENCH_VOTERS is not set")
  local file = assert(io.open(path, "r"))
  for line in file:lines() do
    local token, body = line:match("^([^\t]+)\t(.+)$")
    if token then
      requests[#requests + 1] = wrk.format("POST", wrk.path, {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
      }, body)
    end
  end
  file:close()
  total = #requests
  assert(total > 0, "no voter in " .. path)
  rate = tonumber(os.getenv("AGORA_BENCH_RATE") or "0") or 0
  seconds = tonumber(os.getenv("AGORA_BENCH_SECONDS") or "0") or 0
end

-- Once the last answer is in: a marker for bench/ballots.py, then wrk interrupted (it stops its
-- clock and prints; done() below runs).
local function finish()
  local marker = io.open(os.getenv("AGORA_BENCH_RESULT") .. ".done", "w")
  if marker then marker:close() end
  ffi.C.kill(ffi.C.getpid(), SIGINT)
end

-- Paced runs with a time limit: once it is past, no more ballots are offered.
local function time_is_up()
  if stopped == 0 and rate > 0 and seconds > 0 and started ~= nil and now() >= started + seconds then
    stopped, total = 1, reserved
    if received == total then finish() end
  end
  return stopped == 1
end

-- Milliseconds until the reserved ballot number `k` is due (paced runs), 0 when it is due already.
local function wait_for_slot(k)
  if rate <= 0 then return 0 end
  local t = now()
  if started == nil then started = t end
  local wait = started + (k - 1) / rate - t
  if wait < -0.010 then -- more than 10 ms behind its slot: the connections could not keep up
    late = late + 1
    if -wait > worst_late then worst_late = -wait end
  end
  return math.max(0, math.floor(wait * 1000 + 0.5))
end

-- wrk asks delay() before every request it sends: a ballot is reserved here, taken in request().
function delay()
  if reserved < total and not time_is_up() then
    reserved = reserved + 1
    waiting = waiting + 1
    return wait_for_slot(reserved)
  end
  return 3600000 -- every ballot is out: this connection waits for the end
end

function request()
  if waiting == 0 then
    -- wrk's start-up check calls request() once and never sends it: give a ballot, consume nothing.
    return requests[1]
  end
  waiting = waiting - 1
  sent = sent + 1
  if sent == 1 then first_sent = now() end
  return requests[sent]
end

function response(status, headers, body)
  received = received + 1
  last_received = now()
  statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  if status == 200 then
    local code = body:match('"tracking_code"%s*:%s*"([^"]+)"')
    if code then codes[#codes + 1] = code end
  end
  if received == total then finish() end
end

-- --- in wrk's main Lua state ---------------------------------------------------------------------

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

local function quote(text)
  return '"' .. tostring(text):gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, _requests)
  local out = assert(io.open(assert(os.getenv("AGORA_BENCH_RESULT")), "w"))
  local t = threads[1]
  local parts = {}
  local function add(key, value) parts[#parts + 1] = quote(key) .. ":" .. value end
  add("total", t:get("total"))
  add("sent", t:get("sent"))
  add("received", t:get("received"))
  add("first_sent", string.format("%.6f", t:get("first_sent")))
  add("last_received", string.format("%.6f", t:get("last_received")))
  add("wrk_duration_us", summary.duration)
  add("rate", string.format("%.3f", t:get("rate")))
  add("late", t:get("late"))
  add("stopped_by_time", t:get("stopped"))
  add("worst_late_s", string.format("%.6f", t:get("worst_late")))
  add("wrk_requests", summary.requests)
  local e = summary.errors
  add("socket_errors", string.format('{"connect":%d,"read":%d,"write":%d,"timeout":%d}',
    e.connect, e.read, e.write, e.timeout))
  add("non_2xx", e.status)
  local st = {}
  for status, count in pairs(t:get("statuses")) do st[#st + 1] = quote(status) .. ":" .. count end
  add("statuses", "{" .. table.concat(st, ",") .. "}")
  add("latency_us", string.format('{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}',
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
  local cs = {}
  for _, code in ipairs(t:get("codes")) do cs[#cs + 1] = quote(code) end
  add("codes", "[" .. table.concat(cs, ",") .. "]")
  out:write("{" .. table.concat(parts, ",") .. "}\n")
  out:close()
end
