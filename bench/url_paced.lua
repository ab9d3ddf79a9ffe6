-- wrk script: bench/url.lua at a fixed pace. Each connection waits WRK_DELAY_MS (a mean: the
-- whole milliseconds around it are mixed to hit it) between a response and its next request,
-- so N connections offer about N * 1000 / WRK_DELAY_MS requests per second.
dofile("bench/url.lua")
local mean = tonumber(os.getenv("WRK_DELAY_MS"))
local lo = math.floor(mean)
local frac = mean - lo
delay = function()
  if math.random() < frac then return lo + 1 end
  return lo
end
