"""Percentiles and the one-line report the latency benches print."""
import statistics


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def report(name, latencies, width=28, decimals=2):
    """Prints n, p50, p99 and mean of `latencies` (seconds) in ms; returns the p50."""
    ms = [1000 * v for v in latencies]
    line = "%%-%ds n=%%4d  p50 %%7.%df ms  p99 %%7.%df ms  mean %%7.%df ms" % (
        width, decimals, decimals, decimals)
    print(line % (name, len(ms), percentile(ms, 50), percentile(ms, 99), statistics.mean(ms)))
    return percentile(ms, 50)
