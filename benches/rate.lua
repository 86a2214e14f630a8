-- wrk at a set rate: each of the 64 connections waits a random while
-- between its requests (uniform, so the connections do not ask in step),
-- so that together they ask about `rate` requests a second, the first
-- argument after `--`. A closed loop still: a slow answer delays that
-- connection's next request.
local wait_ms = 20

function init(args)
  wait_ms = 64 * 1000 / tonumber(args[1])
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function delay()
  return math.random() * 2 * wait_ms
end
