-- wrk script for bench/ballots.py: every request is one voter's ballot, with that voter's own token.
--
--   AGORA_BENCH_VOTERS=voters.tsv AGORA_BENCH_RESULT=result.json \
--   wrk -t1 -c32 -d460s --timeout 60s -s bench/ballots.lua http://127.0.0.1:PORT/api/v1/consultations/ID/ballot
--
-- voters.tsv has one line per voter: "<bearer token>\t<JSON body>". Each line is sent exactly once;
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
end

-- wrk asks delay() before every request it sends: a ballot is reserved here, taken in request().
function delay()
  if reserved < total then
    reserved = reserved + 1
    waiting = waiting + 1
    return 0
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
  if received == total then
    local marker = io.open(os.getenv("AGORA_BENCH_RESULT") .. ".done", "w") -- for bench/ballots.py
    if marker then marker:close() end
    ffi.C.kill(ffi.C.getpid(), SIGINT) -- wrk stops its clock and prints; done() below runs
  end
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
