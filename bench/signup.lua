-- wrk script: POST distinct newsletter signups with this run's CSRF cookie and token.
-- A form's stamp is good for one signup and wrk cannot fetch one per request, so the
-- honeypot is filled: this times the answer every signup gets (CSRF, rate limit,
-- validation, redirect) without the task queued after it, as before stamps, when a
-- form without one was taken for a bot's.
local counter = 0
local token = os.getenv("BENCH_CSRF_TOKEN")
local cookie = os.getenv("BENCH_CSRF_COOKIE")
local tag = os.getenv("BENCH_TAG") or "x"

request = function()
  counter = counter + 1
  local body = "csrfmiddlewaretoken=" .. token .. "&source=%2Fnewsletter%2F&website=bench&email=bench-" .. tag .. "-"
    .. tostring(math.random(1, 1000000000)) .. "-" .. counter .. "%40example.com"
  return wrk.format("POST", "/newsletter/", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=" .. cookie,
  }, body)
end
