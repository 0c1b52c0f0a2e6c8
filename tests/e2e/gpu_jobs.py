"""What the end-to-end tests of GPU jobs share.

A `gantry server` with a webhook (--notify-url) and three `gantry agent`s on
the process driver, each with two GPUs of the fake NVML and a recovery
command. A job is the tasks of one RunTask tagged gantry:recovery = job: two
tasks of two GPUs, one per instance. A test injects a fault by rewriting an
agent's fake NVML file and follows the job through DescribeJobs, the tasks
through DescribeTasks, the instance through its ACCELERATED_COMPUTE health
check, and the webhook's bodies.

The recovery command exits 0 (after marking the lost GPUs found again) only
while the test's `recover-ok` file exists, and waits while `recover-hold`
does.
"""
import json
import os
import shutil
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.exceptions import ClientError

from cluster_processes import ServerWithAgentsTestCase, shell, wait_for, wait_for_task
from fake_gpus import FakeGpus, fake_nvml_library
from gantry_process import gantry_binary

CLUSTER = "training"
JOB_TIMEOUT_S = 30  # fault -> siblings stopped -> recovery -> restart: seconds at most

RECOVER_SCRIPT = """
import json, os, sys, time
hold, ok = sys.argv[1], sys.argv[2]
while os.path.exists(hold):
    time.sleep(0.05)
if not os.path.exists(ok):
    print("the GPU reset failed")
    sys.exit(1)
path = os.environ["GANTRY_FAKE_NVML"]
wanted = os.environ["GANTRY_GPU_UUIDS"].split(",")
with open(path) as f:
    doc = json.load(f)
for gpu in doc["gpus"]:
    if gpu["uuid"] in wanted:
        gpu["lost"] = False
with open(path + ".reset", "w") as f:
    json.dump(doc, f)
os.replace(path + ".reset", path)
print("reset " + ",".join(wanted))
"""


class Webhook:
    """An HTTP endpoint on 127.0.0.1 that keeps every body POSTed to it."""

    def __init__(self):
        self.bodies = []
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                with hook.lock:
                    hook.bodies.append(body)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/gantry" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events_of(self, job_id):
        with self.lock:
            return [b["event"] for b in self.bodies if b["job"]["jobId"] == job_id]

    def bodies_of(self, job_id):
        with self.lock:
            return [b for b in self.bodies if b["job"]["jobId"] == job_id]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class GpuJobTestCase(ServerWithAgentsTestCase):
    """Three agents of two fake GPUs each, named node=0, 1 and 2; no tests of its own."""

    # More of `gantry server`'s flags, for a subclass.
    more_server_args = []

    webhook = None
    nodes = {}

    @classmethod
    def setUpClass(cls):
        cls.webhook = Webhook()
        cls.server_options = {"extra_args": ["--notify-url", cls.webhook.url,
                                             *cls.more_server_args]}
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        if cls.webhook:
            cls.webhook.close()
        shutil.rmtree(getattr(cls, "tmp", ""), ignore_errors=True)

    @classmethod
    def start_agents(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gantry-e2e-jobs-")
        cls.hold = os.path.join(cls.tmp, "recover-hold")
        cls.recover_ok = os.path.join(cls.tmp, "recover-ok")
        script = os.path.join(cls.tmp, "recover.py")
        with open(script, "w") as f:
            f.write(RECOVER_SCRIPT)
        recovery = "python3 %s %s %s" % (script, cls.hold, cls.recover_ok)
        cls.ecs.create_cluster(clusterName=CLUSTER)
        cls.nodes = {}
        for node in range(3):
            gpus = FakeGpus(cls.tmp, node)
            agent = cls.add_agent(CLUSTER, attributes={"node": str(node)},
                                  extra_args=["--nvml-library", fake_nvml_library(),
                                              "--gpu-recovery-command", recovery],
                                  env={"GANTRY_FAKE_NVML": gpus.path})
            cls.nodes[node] = (agent, gpus)

    def tearDown(self):
        """Every job's tasks stopped and every GPU back in service, for the next test."""
        for path in (self.hold, self.recover_ok):
            if os.path.exists(path):
                os.remove(path)
        for arn in self.ecs.list_tasks(cluster=CLUSTER, desiredStatus="RUNNING")["taskArns"]:
            self.ecs.stop_task(cluster=CLUSTER, task=arn, reason="the test is over")
        for node, (agent, gpus) in self.nodes.items():
            for gpu in gpus.gpus:
                gpu["lost"] = False
            gpus.write()
            try:
                self.server.gantry_call("ReturnGpusToService", {
                    "cluster": CLUSTER, "containerInstance": agent.instance_arn})
            except ClientError as error:  # none out of service
                self.assertEqual(error.response["Error"]["Code"], "InvalidParameterException")
        wait_for(lambda: all(g["healthStatus"] == "HEALTHY" for g in self.gpus()), 10,
                 "every GPU back in service")

    # -- helpers -----------------------------------------------------------

    def gpus(self):
        return self.server.gantry_call("DescribeGpus", {"cluster": CLUSTER})["gpus"]

    def job(self, job_id):
        answer = self.server.gantry_call("DescribeJobs", {"cluster": CLUSTER, "jobs": [job_id]})
        self.assertEqual(answer["failures"], [])
        return answer["jobs"][0]

    def wait_job(self, job_id, status, attempt=None, timeout=JOB_TIMEOUT_S):
        def reached():
            job = self.job(job_id)
            if job["status"] == status and (attempt is None or job["attempt"] == attempt):
                return job
            return None
        try:
            return wait_for(reached, timeout, "job %s to be %s" % (job_id, status))
        except AssertionError:
            raise AssertionError("job not %s:\n%s" % (status, json.dumps(self.job(job_id),
                                                                          indent=1)))

    def start_job(self, script="exec sleep 600", attempts=None, family="train", count=2):
        self.ecs.register_task_definition(family=family, containerDefinitions=[
            shell(script, resourceRequirements=[{"type": "GPU", "value": "2"}])])
        tags = [{"key": "gantry:recovery", "value": "job"}]
        if attempts:
            tags.append({"key": "gantry:max-attempts", "value": str(attempts)})
        answer = self.ecs.run_task(cluster=CLUSTER, taskDefinition=family, count=count,
                                   tags=tags, placementConstraints=[{"type": "distinctInstance"}],
                                   overrides={"containerOverrides": [
                                       {"name": "main", "environment": [
                                           {"name": "RUN", "value": family}]}]})
        self.assertEqual(answer["failures"], [])
        arns = [t["taskArn"] for t in answer["tasks"]]
        jobs = self.server.gantry_call("ListJobs", {"cluster": CLUSTER, "status": "RUNNING"})
        for job_arn in jobs["jobArns"]:
            job = self.job(job_arn)
            if sorted(t["taskArn"] for t in job["tasks"]) == sorted(arns):
                return job
        self.fail("no RUNNING job lists the tasks %s" % arns)

    def running_job(self, job):
        for task in job["tasks"]:
            wait_for_task(self.ecs, task["taskArn"], "RUNNING", cluster=CLUSTER)
        return job

    def node_of(self, instance_arn):
        for node, (agent, gpus) in self.nodes.items():
            if agent.instance_arn == instance_arn:
                return node
        self.fail("no node is " + instance_arn)

    def accelerated_compute(self, node):
        answer = self.ecs.describe_container_instances(
            cluster=CLUSTER, containerInstances=[self.nodes[node][0].instance_arn],
            include=["CONTAINER_INSTANCE_HEALTH"])
        details = {d["type"]: d for d in answer["containerInstances"][0]["healthStatus"]["details"]}
        return details.get("ACCELERATED_COMPUTE", {})

    def statuses(self, job_id):
        return [e["status"] for e in self.webhook.events_of(job_id)]

    def wait_statuses(self, job_id, expected):
        wait_for(lambda: self.statuses(job_id) == expected or None, 10,
                 "the webhook to get %s (got %s)" % (expected, self.statuses(job_id)))

    def gantry_cli(self, *args):
        out = subprocess.run([gantry_binary(), *args, "--endpoint", self.server.endpoint],
                             env=self.server.cli_env(), capture_output=True, text=True,
                             timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

