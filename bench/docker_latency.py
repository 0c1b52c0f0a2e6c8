#!/usr/bin/env python3
"""RunTask-to-RUNNING latency through the Docker driver, beside a bare
`docker run -d` of the same image and command, in one run.

Starts a fresh `gantry dev --driver docker` (the binary in $GANTRY_BIN,
default build/release/gantry) against the local engine, builds the test
image (scripts/busybox_image.sh), then alternates N times between:
- RunTask of a one-container task (`sleep 600`), then DescribeTasks until
  it has a startedAt: the latency is startedAt (stamped by the control
  plane once the agent's RUNNING report is durable) minus the wall-clock
  time just before RunTask was sent;
- `docker run -d` of the same image and command: the CLI's wall time,
  which ends once the container has started;
- the same through the Engine API directly (create + start over the unix
  socket), the floor that both stand on.
Every container is removed after its sample, outside the timing, so the
engine holds the same load for all three.

    GANTRY_BIN=build/release/gantry python3 bench/docker_latency.py [N]
"""
import http.client
import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from gantry_process import GantryProcess  # noqa: E402
from latency_report import report  # noqa: E402

IMAGE = "gantry-test/busybox:latest"
COMMAND = ["sleep", "600"]
DEADLINE_S = 300
POLL_INTERVAL_S = 0.005


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def engine(method, path, body=None):
    connection = UnixConnection("/var/run/docker.sock")
    headers = {"Content-Type": "application/json"} if body is not None else {}
    connection.request(method, "/v1.41" + path, json.dumps(body) if body is not None else None,
                       headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    if response.status >= 300:
        raise RuntimeError("%s %s: %d %s" % (method, path, response.status, data))
    return json.loads(data) if data else None


def gantry_sample(ecs):
    sent = time.time()
    arn = ecs.run_task(taskDefinition="docker-latency")["tasks"][0]["taskArn"]
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        task = ecs.describe_tasks(tasks=[arn])["tasks"][0]
        if "startedAt" in task:
            latency = task["startedAt"].timestamp() - sent
            ecs.stop_task(task=arn)
            return latency, task["containers"][0]["runtimeId"]
        if task["lastStatus"] == "STOPPED":
            raise RuntimeError("task stopped without running: %s" % task.get("stoppedReason"))
        time.sleep(POLL_INTERVAL_S)
    raise RuntimeError("gave up after %d s" % DEADLINE_S)


def docker_cli_sample():
    start = time.perf_counter()
    out = subprocess.run(["docker", "run", "-d", "--memory", "16m", IMAGE] + COMMAND,
                         check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - start, out.strip()


def engine_api_sample():
    start = time.perf_counter()
    created = engine("POST", "/containers/create",
                     {"Image": IMAGE, "Cmd": COMMAND, "HostConfig": {"Memory": 16 << 20}})
    engine("POST", "/containers/%s/start" % created["Id"])
    return time.perf_counter() - start, created["Id"]


def remove(container_id):
    subprocess.run(["docker", "rm", "-f", container_id], check=False, capture_output=True)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    os.environ.setdefault("GANTRY_BIN", "build/release/gantry")
    subprocess.run([os.path.join(HERE, "..", "scripts", "busybox_image.sh"), IMAGE], check=True)
    gantry = GantryProcess(extra_args=["--driver", "docker"])
    gantry.start()
    samples = {"gantry": [], "cli": [], "api": []}
    try:
        ecs = gantry.client()
        ecs.register_task_definition(
            family="docker-latency",
            containerDefinitions=[{"name": "sleep", "image": IMAGE, "memory": 16,
                                   "command": COMMAND, "stopTimeout": 1}])
        for i in range(n + 3):  # the first rounds warm the engine, the agent and the client
            for name, sample in (("gantry", lambda: gantry_sample(ecs)),
                                 ("cli", docker_cli_sample), ("api", engine_api_sample)):
                latency, container = sample()
                remove(container)
                if i >= 3:
                    samples[name].append(latency)
    finally:
        gantry.cleanup()
    api_p50 = report("Engine API create + start", samples["api"], width=34, decimals=1)
    cli_p50 = report("docker run -d", samples["cli"], width=34, decimals=1)
    gantry_p50 = report("gantry RunTask -> RUNNING", samples["gantry"], width=34, decimals=1)
    print("gantry vs docker run -d (p50): %+.1f%%; vs the Engine API: %+.1f%%" %
          (100.0 * (gantry_p50 - cli_p50) / cli_p50, 100.0 * (gantry_p50 - api_p50) / api_p50))


if __name__ == "__main__":
    main()
