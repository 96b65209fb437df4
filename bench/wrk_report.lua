-- wrk script for bench/http_bench.sh.
--
-- When BENCH_BEARER is set in the environment, every request carries
-- "Authorization: Bearer $BENCH_BEARER" (the token stays out of the process list).
-- When wrk finishes, one machine-readable line is written to stdout after wrk's own report:
--   BENCH requests=N duration_us=N p50_us=N p90_us=N p99_us=N max_us=N
--         connect=N read=N write=N status=N timeout=N
-- status counts responses whose status is not 2xx/3xx; the others are socket errors.

local token = os.getenv("BENCH_BEARER")
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
