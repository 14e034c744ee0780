-- wrk script: POST /api/v1/reports, cycling through pre-generated JSON bodies.
-- usage: wrk ... -s bench/create.lua URL -- BODIES.lua
-- BODIES.lua returns a Lua array of JSON strings (written by bench/run from real positions).

local bodies, n, i
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  bodies = dofile(args[1])
  n = #bodies
  -- each thread starts at its own place in the list
  i = math.floor(n * thread_no / 8) % n
end

function request()
  i = i % n + 1
  return wrk.format("POST", "/api/v1/reports", headers, bodies[i])
end

-- setup (thread numbers) and done (the RESULT line) are shared by the scripts.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
