-- wrk script of bench/load.sh: a mix of reads and writes on the JSON API,
-- with the bearer token from POSTPILOT_API_TOKEN. Writes cannot collide:
-- new recipients' emails are made of the thread number and a per-thread
-- counter, and a PATCH only changes a comment. So every answer should be
-- 2xx; done() prints the status histogram, the 5xx and other non-2xx counts.
-- env: LOAD_RECIPIENTS (ids 1..N exist, default 100000), LOAD_MAILING (1).

local token = os.getenv("POSTPILOT_API_TOKEN") or ""
local recipients = tonumber(os.getenv("LOAD_RECIPIENTS") or "100000")
local mailing = os.getenv("LOAD_MAILING") or "1"
local json_headers = {
  ["Authorization"] = "Bearer " .. token,
  ["Content-Type"] = "application/json",
}
local auth_headers = { ["Authorization"] = "Bearer " .. token }

-- main state: the threads, to collect their counters in done()
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

-- thread state
local n = 0
statuses = {}

function init(args)
  math.randomseed(os.time() * 1000 + tid)
end

local function get(path)
  return wrk.format("GET", path, auth_headers)
end

local function send(method, path, body)
  return wrk.format(method, path, json_headers, body)
end

-- Weights out of 20: 12 reads, 8 writes.
local mix = {
  "stats", "stats", "stats",
  "recipients", "recipients", "recipients",
  "attempts", "attempts", "attempts",
  "runs", "runs", "runs",
  "add_recipient", "add_recipient", "add_recipient",
  "edit_recipient", "edit_recipient", "edit_recipient",
  "add_message", "add_message",
}

function request()
  n = n + 1
  local kind = mix[math.random(#mix)]
  if kind == "stats" then
    return get("/api/v1/stats")
  elseif kind == "recipients" then
    return get("/api/v1/recipients?limit=50&offset=" .. math.random(0, recipients - 1))
  elseif kind == "attempts" then
    return get("/api/v1/mailings/" .. mailing .. "/attempts?limit=50")
  elseif kind == "runs" then
    return get("/api/v1/mailings/" .. mailing .. "/runs")
  elseif kind == "add_recipient" then
    return send("POST", "/api/v1/recipients", string.format(
      '{"email":"load-t%d-n%d@example.com","full_name":"Нагрузка %d-%d","comment":"wrk"}',
      tid, n, tid, n))
  elseif kind == "edit_recipient" then
    return send("PATCH", "/api/v1/recipients/" .. math.random(1, recipients), string.format(
      '{"comment":"edited by wrk thread %d, request %d"}', tid, n))
  else
    return send("POST", "/api/v1/messages", string.format(
      '{"subject":"Нагрузка %d-%d","body_text":"Здравствуйте! Письмо под нагрузкой."}', tid, n))
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local hist = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      hist[status] = (hist[status] or 0) + count
    end
  end
  local codes = {}
  for status in pairs(hist) do table.insert(codes, status) end
  table.sort(codes)
  local answered, s5xx, non2xx = 0, 0, 0
  io.write("status histogram:")
  for _, status in ipairs(codes) do
    local count = hist[status]
    io.write(string.format(" %d=%d", status, count))
    answered = answered + count
    if status >= 500 then s5xx = s5xx + count end
    if status < 200 or status >= 300 then non2xx = non2xx + count end
  end
  io.write("\n")
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  -- One line for bench/load.sh to read.
  io.write(string.format(
    "LOAD requests=%d answered=%d seconds=%.1f rps=%.0f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f s5xx=%d non2xx=%d socket_errors=%d timeouts=%d\n",
    summary.requests, answered, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    s5xx, non2xx, socket, e.timeout))
end
