-- wrk script: POST distinct newsletter signups with this run's CSRF cookie and token.
local counter = 0
local token = os.getenv("BENCH_CSRF_TOKEN")
local cookie = os.getenv("BENCH_CSRF_COOKIE")
local tag = os.getenv("BENCH_TAG") or "x"

request = function()
  counter = counter + 1
  local body = "csrfmiddlewaretoken=" .. token .. "&source=%2Fnewsletter%2F&email=bench-" .. tag .. "-"
    .. tostring(math.random(1, 1000000000)) .. "-" .. counter .. "%40example.com"
  return wrk.format("POST", "/newsletter/", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=" .. cookie,
  }, body)
end
