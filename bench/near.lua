-- wrk script: GET /api/v1/reports?near=LAT,LON&radius=200 at random real positions.
-- usage: wrk ... -s bench/near.lua URL -- POSITIONS.lua
-- POSITIONS.lua returns a Lua array of {lat, lon} pairs (written by bench/run).

local paths, n

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

-- setup (thread numbers) and done (the RESULT line) are shared by the scripts.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
