-- wrk script for bench/pages.py: a plain GET load; done() writes the figures as JSON.
--
--   AGORA_BENCH_RESULT=result.json wrk -t1 -c32 -d20s -H "Cookie: ..." -s bench/page.lua URL

local function quote(text)
  return '"' .. tostring(text):gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, _requests)
  local out = assert(io.open(assert(os.getenv("AGORA_BENCH_RESULT")), "w"))
  local e = summary.errors
  out:write("{", quote("requests"), ":", summary.requests, ",", quote("duration_us"), ":", summary.duration, ",",
    quote("bytes"), ":", summary.bytes, ",",
    quote("socket_errors"), ":", string.format('{"connect":%d,"read":%d,"write":%d,"timeout":%d}',
      e.connect, e.read, e.write, e.timeout), ",",
    quote("non_2xx"), ":", e.status, ",",
    quote("latency_us"), ":", string.format('{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}',
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean),
    "}\n")
  out:close()
end
