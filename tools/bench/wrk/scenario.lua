-- One scenario of `make bench` (tools/bench/run.py starts wrk with this script).
--
-- Every wrk thread runs its own Lua state, so the scenario comes in through
-- environment variables, read in init():
--   BENCH_PATHS    file with one path per line (or BENCH_PATH: one path)
--   BENCH_COOKIES  file with one Cookie header value per line (optional)
--   BENCH_METHOD   GET (default) or POST
--   BENCH_BODY     POST body; {KEY} becomes a fresh UUID per request
--   BENCH_BUST     "1": add a unique, ignored ?bench= parameter (cache miss)
--   BENCH_NONCE    8 hex digits, different every run (submission keys)
--   BENCH_THREADS  wrk's -t, so threads can take turns through the lists
--   BENCH_OUT      where done() writes the results as JSON
-- Thread n takes items n, n + T, n + 2T, ...: no two threads ask for the
-- same page, and consecutive posts come from different members.

local threads = {}
local created = 0

function setup(thread)
   thread:set("thread_id", created)
   created = created + 1
   table.insert(threads, thread)
end

local function read_lines(file)
   local lines = {}
   if file and file ~= "" then
      for line in io.lines(file) do
         if line ~= "" then
            lines[#lines + 1] = line
         end
      end
   end
   return lines
end

function init(args)
   paths = read_lines(os.getenv("BENCH_PATHS"))
   if #paths == 0 then
      paths = { os.getenv("BENCH_PATH") }
   end
   cookies = read_lines(os.getenv("BENCH_COOKIES"))
   method = os.getenv("BENCH_METHOD") or "GET"
   body_template = os.getenv("BENCH_BODY") or ""
   bust = os.getenv("BENCH_BUST") == "1"
   nonce = os.getenv("BENCH_NONCE") or "00000000"
   step = tonumber(os.getenv("BENCH_THREADS") or "1")
   counter = thread_id
   statuses = {}
   cache = { hit = 0, miss = 0, none = 0 }
   stored = { hit = 0, miss = 0, none = 0 }
end

function request()
   local i = counter
   counter = counter + step
   local path = paths[(i % #paths) + 1]
   if bust then
      local sep = "?"
      if string.find(path, "?", 1, true) then
         sep = "&"
      end
      path = path .. sep .. "bench=" .. nonce .. "-" .. i
   end
   local headers = {}
   if #cookies > 0 then
      headers["Cookie"] = cookies[(i % #cookies) + 1]
   end
   if method == "POST" then
      headers["Content-Type"] = "application/x-www-form-urlencoded"
      local key = string.format("%s-%04x-4000-8000-%012x", nonce, thread_id, i)
      local body = string.gsub(body_template, "{KEY}", key)
      return wrk.format("POST", path, headers, body)
   end
   return wrk.format("GET", path, headers)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   local page_cache = headers["X-Page-Cache"] or headers["x-page-cache"]
   if page_cache == nil then
      cache.none = cache.none + 1
   elseif string.sub(page_cache, 1, 3) == "hit" then
      cache.hit = cache.hit + 1
   else
      cache.miss = cache.miss + 1
   end
   -- public/pages.py: served from its stored rendering, or rendered now.
   local stored_page = headers["X-Stored-Page"] or headers["x-stored-page"]
   if stored_page == "hit" then
      stored.hit = stored.hit + 1
   elseif stored_page == "miss" then
      stored.miss = stored.miss + 1
   else
      stored.none = stored.none + 1
   end
end

function done(summary, latency, requests)
   local totals = {}
   local cache_totals = { hit = 0, miss = 0, none = 0 }
   local stored_totals = { hit = 0, miss = 0, none = 0 }
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses")) do
         totals[status] = (totals[status] or 0) + n
      end
      local c = thread:get("cache")
      for key, n in pairs(c) do
         cache_totals[key] = cache_totals[key] + n
      end
      for key, n in pairs(thread:get("stored")) do
         stored_totals[key] = stored_totals[key] + n
      end
   end
   local parts = {}
   for status, n in pairs(totals) do
      parts[#parts + 1] = string.format('"%d": %d', status, n)
   end
   local e = summary.errors
   local out = assert(io.open(os.getenv("BENCH_OUT"), "w"))
   out:write(string.format(
      '{"requests": %d, "duration_us": %d, "bytes": %d, '
         .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, '
         .. '"timeout": %d}, '
         .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, '
         .. '"mean": %.1f}, '
         .. '"statuses": {%s}, '
         .. '"page_cache": {"hit": %d, "miss": %d, "none": %d}, '
         .. '"stored_page": {"hit": %d, "miss": %d, "none": %d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.max, latency.mean,
      table.concat(parts, ", "),
      cache_totals.hit, cache_totals.miss, cache_totals.none,
      stored_totals.hit, stored_totals.miss, stored_totals.none))
   out:close()
end
