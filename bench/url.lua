-- wrk script: GET /api/v1/media/<random id>/url with the API key from WRK_KEY; ids from
-- WRK_IDS (one per line). Every request is formatted once, when the script loads, so a
-- request costs wrk one table lookup: building it per request (wrk.format, string joins)
-- took about a fifth of wrk's core, and wrk, not the server, then set the pace.
local reqs = {}
local key = os.getenv("WRK_KEY")
for line in io.lines(os.getenv("WRK_IDS")) do
  reqs[#reqs + 1] = wrk.format("GET", "/api/v1/media/" .. line .. "/url", {["Authorization"] = "Bearer " .. key})
end
local n = #reqs
math.randomseed(os.time())
request = function()
  return reqs[math.random(n)]
end
