-- wrk script: GET /api/v1/reports?near=LAT,LON&radius=200 at random real positions.
-- usage: wrk ... -s bench/near.lua URL -- POSITIONS.lua
-- POSITIONS.lua returns a Lua array of {lat, lon} pairs (written by bench/run).

local paths, n
local threads = {}

function setup(thread)
  thread:set("thread_no", #threads)
  table.insert(threads, thread)
end

function init(args)
  local positions = dofile(args[1])
  paths = {}
  for k, p in ipairs(positions) do
    paths[k] = string.format("/api/v1/reports?near=%.7f,%.7f&radius=200", p[1], p[2])
  end
  n = #paths
  math.randomseed(1000 + thread_no)
end

function request()
  return wrk.format("GET", paths[math.random(n)])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d non2xx=%d socket_errors=%d p50_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
