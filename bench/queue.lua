-- wrk script: GET /api/v1/queue with a token, limit 50, cycling through queues and filters:
-- each queue of QUEUES.lua without filter, with a status filter, overdue only, and both.
-- usage: wrk ... -s bench/queue.lua URL -- QUEUES.lua TOKEN
-- QUEUES.lua returns a Lua array of {"service" or "sector", code} (written by bench/run).

local filters = { "", "&status=new,acknowledged", "&overdue=true",
                  "&status=scheduled,on_hold&overdue=true" }
local paths, n, i, headers

-- Codes hold spaces, accents and quotes ("Marchés découverts alimentaires", "TRILIB'").
local function escape(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

function init(args)
  local queues = dofile(args[1])
  headers = { Authorization = "Bearer " .. args[2] }
  paths = {}
  for _, q in ipairs(queues) do
    for _, f in ipairs(filters) do
      paths[#paths + 1] = string.format("/api/v1/queue?%s=%s%s&limit=50", q[1], escape(q[2]), f)
    end
  end
  n = #paths
  -- each thread starts at its own place in the list
  i = math.floor(n * thread_no / 8) % n
end

function request()
  i = i % n + 1
  return wrk.format("GET", paths[i], headers)
end

-- setup (thread numbers) and done (the RESULT line) are shared by the scripts.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
