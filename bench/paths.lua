-- wrk script: GET paths taken at random from a list (bench/run: the nearby search at real
-- positions, reverse geocoding at real positions, the address search with typed prefixes).
-- usage: wrk ... -s bench/paths.lua URL -- PATHS.lua
-- PATHS.lua returns a Lua array of paths (written by bench/run).

local paths, n

function init(args)
  paths = dofile(args[1])
  n = #paths
  math.randomseed(1000 + thread_no)
end

function request()
  return wrk.format("GET", paths[math.random(n)])
end

-- setup (thread numbers) and done (the RESULT line) are shared by the scripts.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
