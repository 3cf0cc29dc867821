-- wrk script (run from the checkout): cycles through the 52 reader queries of
-- tests/fixtures/search-queries.toml, e.g.
--   wrk -t2 -c64 -d10s --latency -s scripts/search-queries.lua http://127.0.0.1:3000
local queries = {}
for line in io.lines("tests/fixtures/search-queries.toml") do
  local q = line:match('^q = "(.*)"$')
  if q then table.insert(queries, q) end
end
local i = 0
request = function()
  i = i % #queries + 1
  local q = queries[i]:gsub("[^%w]", function(c) return string.format("%%%02X", string.byte(c)) end)
  return wrk.format("GET", "/search?q=" .. q)
end
