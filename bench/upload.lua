-- wrk script: POST /api/v1/reports as multipart/form-data, a `report` part (the report's JSON)
-- and a `photo_close` part (a JPEG), cycling through the positions like create.lua.
-- usage: wrk ... -s bench/upload.lua URL -- BODIES.lua PHOTO.jpg RUN [same]
--   BODIES.lua  returns a Lua array of JSON strings (written by bench/run from real positions)
--   PHOTO.jpg   a baseline JPEG with restart markers (the 12 MP reference photo)
--   RUN         a number, different for each wrk run on the same database (see below)
--   same        send the file's exact bytes every time (default: a different picture each time)
--
-- dmrd stores photos by the SHA-256 of the processed JPEG (photo_blob, ON CONFLICT DO NOTHING):
-- the same photo sent again is processed again but not written again. Real uploads are all
-- different pictures, so by default each request sends a different one, made from the file
-- without decoding it: the scan of a JPEG with restart markers is a list of independent,
-- byte-aligned intervals (here 4 MCUs, 64x8 pixels each), and swapping the data of two of
-- them (the RSTn markers stay in place) gives another valid JPEG of the same size and the same
-- decoding work, with two small blocks of the picture exchanged.

local bodies, n, i
local photo, starts, ends, nint, half
local counter, base = 0, 0
local boundary = "dmrbench7d1f0c2a9e4b35a8c6f0e2d9b1a7c3e5"
local headers = { ["Content-Type"] = "multipart/form-data; boundary=" .. boundary }
local head, mid, tail

-- Offsets of the restart intervals of the JPEG's (single) scan: interval j is
-- photo:sub(starts[j], ends[j] - 1); ends[j] is the 0xFF of the marker that follows it.
local function intervals(d)
  local p = 3                                   -- after SOI
  while true do
    assert(d:byte(p) == 0xFF, "upload.lua: not a JPEG segment at " .. p)
    local m = d:byte(p + 1)
    local len = d:byte(p + 2) * 256 + d:byte(p + 3)
    p = p + 2 + len
    if m == 0xDA then break end                 -- SOS: the scan's data follows
    assert(m ~= 0xC2, "upload.lua: progressive JPEG, use 'same'")
  end
  assert(d:sub(-2) == "\255\217", "upload.lua: the photo does not end with EOI")
  local s, e = {}, {}
  local q = p
  while true do
    local f = d:find("\255[\208-\215]", q)
    if not f or f >= #d - 1 then break end
    s[#s + 1] = q; e[#e + 1] = f
    q = f + 2
  end
  s[#s + 1] = q; e[#e + 1] = #d - 1             -- the last interval ends at EOI
  return s, e
end

function init(args)
  bodies = dofile(args[1])
  n = #bodies
  i = math.floor(n * thread_no / 8) % n         -- each thread starts at its own place
  local f = assert(io.open(args[2], "rb"))
  photo = f:read("*a")
  f:close()
  assert(not photo:find(boundary, 1, true), "upload.lua: the boundary occurs in the photo")
  base = ((tonumber(args[3]) or 0) * 16 + thread_no) * 65536
  if args[4] ~= "same" then
    starts, ends = intervals(photo)
    nint = #starts
    half = math.floor(nint / 2)
    assert(half >= 2, "upload.lua: the photo has no restart markers, use 'same'")
  end
  head = "--" .. boundary .. "\r\n"
    .. "Content-Disposition: form-data; name=\"report\"\r\n"
    .. "Content-Type: application/json\r\n\r\n"
  mid = "\r\n--" .. boundary .. "\r\n"
    .. "Content-Disposition: form-data; name=\"photo_close\"; filename=\"photo.jpg\"\r\n"
    .. "Content-Type: image/jpeg\r\n\r\n"
  tail = "\r\n--" .. boundary .. "--\r\n"
end

-- Picture number v (0 <= v < half^2): intervals a (first half) and b (second half) swapped.
local function variant(v)
  local a = 1 + math.floor(v / half) % half
  local b = 1 + half + v % half
  return photo:sub(1, starts[a] - 1)
    .. photo:sub(starts[b], ends[b] - 1)
    .. photo:sub(ends[a], starts[b] - 1)
    .. photo:sub(starts[a], ends[a] - 1)
    .. photo:sub(ends[b])
end

function request()
  i = i % n + 1
  local jpeg = photo
  if starts then
    jpeg = variant(base + counter)
    counter = counter + 1
  end
  return wrk.format("POST", "/api/v1/reports", headers, head .. bodies[i] .. mid .. jpeg .. tail)
end

-- setup (thread numbers) and done (the RESULT line) are shared by the scripts.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")
