#!/usr/bin/env python3
"""The awslogs log driver under load: a `gantry server` and one `gantry
agent` (process driver) on this machine.

  1. Throughput: a container prints --lines numbered lines as fast as it
     can (seq); the bench reports the lines per second the agent ships,
     from the task RUNNING to the last line readable through GetLogEvents,
     and the agent's and the server's CPU.
  2. Delay: a container prints its own wall-clock time in ms every 10 ms
     for --delay-s seconds; the delay of each line is its ingestionTime in
     the log store less the time it carries (p50, p99).
  3. RunTask under log load: --runs RunTask calls (each one task of a
     `sleep`) without log load, then again while a container floods its
     log; p50 and p99 of each call's latency.

    GANTRY_BIN=build/release/gantry python3 bench/awslogs_shipping.py
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
sys.path.insert(0, HERE)
from cluster_processes import GantryAgent, GantryServer, shell  # noqa: E402
from latency_report import report  # noqa: E402
from scale_run import cpu_s, wait  # noqa: E402
from test_logs_api import logs_client  # noqa: E402

CLUSTER = "logs-bench"
GROUP = "/bench/awslogs"


def awslogs(prefix):
    return {"logDriver": "awslogs", "options": {"awslogs-group": GROUP, "awslogs-region": "us-east-1",
                                                "awslogs-stream-prefix": prefix}}


def run_one(ecs, family, script, prefix):
    ecs.register_task_definition(family=family, containerDefinitions=[
        shell(script, memory=256, logConfiguration=awslogs(prefix))])
    arn = ecs.run_task(cluster=CLUSTER, taskDefinition=family)["tasks"][0]["taskArn"]
    return arn, "%s/main/%s" % (prefix, arn.rsplit("/", 1)[1])


def last_message(logs, stream):
    try:
        events = logs.get_log_events(logGroupName=GROUP, logStreamName=stream,
                                     startFromHead=False, limit=1)["events"]
    except logs.exceptions.ResourceNotFoundException:
        return None
    return events[-1]["message"] if events else None


def running(ecs, arn):
    return ecs.describe_tasks(cluster=CLUSTER, tasks=[arn])["tasks"][0]["lastStatus"] == "RUNNING"


def throughput(ecs, logs, agent, server, lines):
    cpu_agent, cpu_server = cpu_s(agent.pid), cpu_s(server.pid())
    arn, stream = run_one(ecs, "flood", "seq 1 %d" % lines, "flood")
    began = time.monotonic()
    wait("the last line", lambda: last_message(logs, stream) == str(lines), interval=0.05)
    took = time.monotonic() - began
    print("%-28s %d lines in %.2f s: %.0f lines/s (agent CPU %.2f s, server CPU %.2f s)"
          % ("shipping throughput", lines, took, lines / took, cpu_s(agent.pid) - cpu_agent,
             cpu_s(server.pid()) - cpu_server))


def delay(ecs, logs, seconds):
    count = seconds * 100
    script = ("i=0; while [ $i -lt %d ]; do date +%%s%%3N; sleep 0.01; i=$((i+1)); done"
              % count)
    arn, stream = run_one(ecs, "clock", script, "clock")
    wait("the clock task to stop", lambda: ecs.describe_tasks(
        cluster=CLUSTER, tasks=[arn])["tasks"][0]["lastStatus"] == "STOPPED", interval=0.5)
    events, token = [], None
    while True:
        kwargs = {"logGroupName": GROUP, "logStreamName": stream, "startFromHead": True}
        if token:
            kwargs["nextToken"] = token
        page = logs.get_log_events(**kwargs)
        events += page["events"]
        if page["nextForwardToken"] == token:
            break
        token = page["nextForwardToken"]
    delays = [(e["ingestionTime"] - int(e["message"])) / 1000.0 for e in events
              if e["message"].isdigit()]
    report("printed to readable", delays)


def run_task_latency(ecs, runs, name):
    latencies, arns = [], []
    for _ in range(runs):
        began = time.monotonic()
        arns.append(ecs.run_task(cluster=CLUSTER, taskDefinition="sleeper")["tasks"][0]["taskArn"])
        latencies.append(time.monotonic() - began)
    report(name, latencies)
    for i in range(0, len(arns), 100):
        for arn in arns[i:i + 100]:
            ecs.stop_task(cluster=CLUSTER, task=arn)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--delay-s", type=int, default=10)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("GANTRY_BIN", "build/release/gantry")

    server = GantryServer().start()
    agent = None
    try:
        ecs = server.client()
        logs = logs_client(server)
        ecs.create_cluster(clusterName=CLUSTER)
        logs.create_log_group(logGroupName=GROUP)
        agent = GantryAgent(server, CLUSTER, cpu=1_000_000, memory=1_000_000)
        agent.start()
        throughput(ecs, logs, agent, server, args.lines)
        delay(ecs, logs, args.delay_s)

        ecs.register_task_definition(family="sleeper", containerDefinitions=[
            shell("sleep 600", memory=8)])
        run_task_latency(ecs, args.runs, "RunTask, no log load")
        flood, _ = run_one(ecs, "flood-forever", "yes 'a line of log load'", "load")
        wait("the flood to run", lambda: running(ecs, flood))
        run_task_latency(ecs, args.runs, "RunTask, under log load")
        ecs.stop_task(cluster=CLUSTER, task=flood)
    finally:
        if agent:
            agent.cleanup()
        server.cleanup()


if __name__ == "__main__":
    main()
