-- wrk script (run from the checkout): cycles through the 52 reader queries of
-- tests/fixtures/search-queries.toml, e.g.
--   wrk -t2 -c64 -d10s --latency -s scripts/search-queries.lua http://127.0.0.1:3000
--
-- The requests are built once, when the script loads, and request() only picks the next
-- one: wrk's own guide (SCRIPTING, "request()") says building a request per call is
-- expensive, and on 2 cores shared with the server that work shows up as latency. Until
-- 2026-12-02 this script URL-encoded each query on every call (docs/PERFORMANCE.md,
-- "Search").
local requests = {}
-- init(), not the file's top level: wrk sets the Host header only after loading the
-- script, and a request without one is refused (400).
init = function(args)
  for line in io.lines("tests/fixtures/search-queries.toml") do
    local q = line:match('^q = "(.*)"$')
    if q then
      q = q:gsub("[^%w]", function(c) return string.format("%%%02X", string.byte(c)) end)
      table.insert(requests, wrk.format("GET", "/search?q=" .. q))
    end
  end
end
local i = 0
request = function()
  i = i % #requests + 1
  return requests[i]
end
-- Any answer but 200 fails the run: a benchmark of error pages measures nothing.
done = function(summary, latency, requests)
  if summary.errors.status > 0 then
    io.stderr:write(string.format("%d responses were not 2xx or 3xx\n", summary.errors.status))
    os.exit(1)
  end
end
