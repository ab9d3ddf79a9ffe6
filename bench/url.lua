-- wrk script: GET /api/v1/media/<random id>/url with the API key from WRK_KEY; ids from
-- WRK_IDS (one per line).
local ids = {}
for line in io.lines(os.getenv("WRK_IDS")) do ids[#ids + 1] = line end
local key = os.getenv("WRK_KEY")
math.randomseed(os.time())
request = function()
  local id = ids[math.random(#ids)]
  return wrk.format("GET", "/api/v1/media/" .. id .. "/url", {["Authorization"] = "Bearer " .. key})
end
