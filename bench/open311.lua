-- wrk script: GET one path again and again (bench/run: the Open311 list of requests).
-- usage: wrk ... -s bench/open311.lua URL -- PATH

local path

function init(args)
  path = args[1]
end

function request()
  return wrk.format("GET", path)
end

-- setup (thread numbers) and done (the RESULT line) are shared by the scripts.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
