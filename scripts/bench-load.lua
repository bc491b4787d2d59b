-- wrk script for scripts/bench-load.sh: requests come from the file named by $BENCH_LIST, one
-- per line, tab-separated: METHOD, PATH, AUTH ("cookie", "bearer" or "-"), TOKEN, BODY ("-" for
-- none). Each wrk thread takes every n-th line ($BENCH_THREADS threads). With $BENCH_ONCE=1 each
-- line is sent once and the thread stops when its lines are used up (writes: an attempt is
-- submitted once); otherwise the lines are cycled (reads). $BENCH_GZIP=1 asks for gzip as a
-- browser does.

local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local requests = {}
local next_index = 1
local once = os.getenv("BENCH_ONCE") == "1"

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  local gzip = os.getenv("BENCH_GZIP") == "1"
  local n = 0
  for line in io.lines(os.getenv("BENCH_LIST")) do
    if n % nthreads == tid then
      local f = split(line)
      local headers = { ["Host"] = wrk.host .. ":" .. wrk.port }
      if f[3] == "cookie" then
        -- A browser that has been here before also has its CSRF cookie.
        headers["Cookie"] = "hvs_session=" .. f[4] .. "; hvs_csrf=" .. string.rep("0123456789abcdef", 4)
      elseif f[3] == "bearer" then
        headers["Authorization"] = "Bearer " .. f[4]
      end
      if gzip then
        headers["Accept-Encoding"] = "gzip"
      end
      local body = nil
      if f[5] ~= nil and f[5] ~= "-" and f[5] ~= "" then
        body = f[5]
        headers["Content-Type"] = "application/json"
      end
      table.insert(requests, wrk.format(f[1], f[2], headers, body))
    end
    n = n + 1
  end
end

function request()
  if next_index > #requests then
    if once then
      wrk.thread:stop()
      return wrk.format("GET", "/healthz")
    end
    next_index = 1
  end
  local r = requests[next_index]
  next_index = next_index + 1
  return r
end
