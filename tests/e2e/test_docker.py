"""The Docker driver end to end: `gantry dev --driver docker` (and `gantry
agent --driver docker` under a `gantry server`) run task definitions as
real containers of a tiny local busybox image, driven through the ECS API
with boto3. Each test reads what the workload really did: over HTTP, from
files in bind-mounted host directories, from the engine (`docker inspect`,
`docker logs`), and from DescribeTasks.

These tests need a Docker engine and fail when none answers: a test machine
is meant to run one. The tasks' containers and volumes are removed by label
when a test ends.
"""
import json
import re
import subprocess
import os
import shutil
import sys
import tempfile
import time
import unittest

# Runnable as `python3 -m unittest tests/e2e/test_docker.py` from the
# repository root too, not only through discovery in tests/e2e.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gantry_process import gantry_binary  # noqa: E402
from cluster_processes import (GantryServer, assert_holds, container_of, describe_task, instance_of,
                               read_text, wait_for, wait_for_task)
from docker_support import (IMAGE, LABEL_CONTAINER_NAME, LABEL_MANAGED, LABEL_TASK_ARN,
                            MISSING_IMAGE, DockerDevTestCase, DockerTracking, busybox,
                            container_running, containers_of_task, docker, docker_agent,
                            docker_logs, ensure_busybox_image, free_port, inspect_container,
                            remove_task_leftovers, require_docker, task_stopped_within,
                            wait_for_http, wait_gone, web_server)

EFS_ID = "fs-12345678"
OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"
# A container that says "ready" once its TERM trap is set, then idles.
POLITE = 'trap "exit 0" TERM; echo ready; while true; do sleep 1; done'
STUBBORN = 'trap "" TERM; echo ready; while true; do sleep 1; done'


def bindings_for(container, container_port):
    return [b for b in container.get("networkBindings", []) if b["containerPort"] == container_port]


def host_volume(name, path):
    return {"name": name, "host": {"sourcePath": path}}


def mount(volume, path, read_only=False):
    return {"sourceVolume": volume, "containerPath": path, "readOnly": read_only}


class DockerTaskTest(DockerDevTestCase):
    """`gantry dev --driver docker --efs-volume fs-12345678=<dir>`."""

    efs_file_systems = (EFS_ID,)

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="gantry-e2e-docker-")
        os.chmod(self.tmp, 0o777)
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def running(self, arn, timeout=20, check=None):
        return wait_for_task(self.ecs, arn, "RUNNING", timeout=timeout, check=check)

    def stopped(self, arn, timeout=30):
        return wait_for_task(self.ecs, arn, "STOPPED", timeout=timeout)

    def wait_ready(self, runtime_id, timeout=10):
        wait_for(lambda: "ready" in docker_logs(runtime_id), timeout,
                 "container %s to say ready" % runtime_id[:12], interval=0.1)

    def assertTaskContainer(self, task, name):
        """The container `name` of `task` is the engine's container of its
        runtimeId, named and labelled as gantry's; returns its inspection."""
        runtime_id = container_of(task, name).get("runtimeId")
        self.assertTrue(runtime_id, "no runtimeId for %s: %s" % (name, task))
        inspected = inspect_container(runtime_id)
        self.assertIsNotNone(inspected, "the engine has no container %s" % runtime_id)
        task_id = task["taskArn"].rsplit("/", 1)[1]
        self.assertRegex(inspected["Name"], r"^/gantry-%s-%s-[0-9a-f]{8}$" % (task_id, name))
        labels = inspected["Config"]["Labels"]
        self.assertEqual(labels.get(LABEL_TASK_ARN), task["taskArn"])
        self.assertEqual(labels.get(LABEL_CONTAINER_NAME), name)
        self.assertEqual(labels.get(LABEL_MANAGED), "true")
        self.assertEqual(inspected["Config"]["Image"], IMAGE)
        return inspected

    # -- networking --------------------------------------------------------------------------

    def test_bridge_mode_fixed_host_port_serves_http(self):
        port = free_port()
        family = self.unique("web-fixed")
        self.register(family, [web_server(80, family,
                                          portMappings=[{"containerPort": 80, "hostPort": port}])])
        arn = self.run_one(family)["taskArn"]
        task = self.running(arn, check=lambda t: bindings_for(container_of(t, "web"), 80))
        inspected = self.assertTaskContainer(task, "web")
        self.assertEqual(inspected["HostConfig"]["NetworkMode"], "bridge")
        bindings = bindings_for(container_of(task, "web"), 80)
        self.assertEqual({b["hostPort"] for b in bindings}, {port}, bindings)
        self.assertTrue(all(b.get("protocol", "tcp") == "tcp" for b in bindings), bindings)
        wait_for_http("http://127.0.0.1:%d/" % port, family)

    def test_bridge_mode_dynamic_host_port_is_reported_and_serves_http(self):
        family = self.unique("web-dynamic")
        self.register(family, [web_server(80, family, portMappings=[{"containerPort": 80}])])
        arn = self.run_one(family)["taskArn"]
        task = self.running(arn, check=lambda t: bindings_for(container_of(t, "web"), 80))
        bindings = bindings_for(container_of(task, "web"), 80)
        host_ports = {b["hostPort"] for b in bindings}
        self.assertNotIn(0, host_ports, bindings)
        # Docker publishes on IPv4 (and IPv6); 127.0.0.1 answers on the IPv4 one.
        ipv4 = [b["hostPort"] for b in bindings if b.get("bindIP", "0.0.0.0") in ("0.0.0.0", "")]
        self.assertTrue(ipv4, "no IPv4 binding in %s" % bindings)
        wait_for_http("http://127.0.0.1:%d/" % ipv4[0], family)

    def test_host_network_mode_serves_http_on_the_host(self):
        port = free_port()
        family = self.unique("web-host")
        self.register(family, [web_server(port, family,
                                          portMappings=[{"containerPort": port, "hostPort": port}])],
                      networkMode="host")
        arn = self.run_one(family)["taskArn"]
        task = self.running(arn)
        inspected = self.assertTaskContainer(task, "web")
        self.assertEqual(inspected["HostConfig"]["NetworkMode"], "host")
        bindings = bindings_for(container_of(task, "web"), port)
        self.assertEqual({b["hostPort"] for b in bindings}, {port}, container_of(task, "web"))
        wait_for_http("http://127.0.0.1:%d/" % port, family)

    def test_awsvpc_containers_share_a_network_namespace(self):
        # Expected to fail until the agent reports the task's address as the
        # ENI's privateIPv4Address.
        token = self.unique("awsvpc")
        family = self.unique("awsvpc")
        web = web_server(8080, token, essential=False, portMappings=[{"containerPort": 8080}])
        client = busybox(
            'i=0; while [ $i -lt 50 ]; do '
            'wget -q -O - http://127.0.0.1:8080/ | grep -q "$TOKEN" && exit 0; '
            'i=$((i+1)); sleep 0.2; done; exit 1',
            name="client", environment=[{"name": "TOKEN", "value": token}],
            dependsOn=[{"containerName": "web", "condition": "START"}])
        self.register(family, [web, client], networkMode="awsvpc")
        arn = self.run_one(family, networkConfiguration={
            "awsvpcConfiguration": {"subnets": ["subnet-0123456789abcdef0"]}})["taskArn"]
        task = self.stopped(arn)
        self.assertEqual(container_of(task, "client").get("exitCode"), 0,
                         "the client did not reach the web server at 127.0.0.1:8080: %s"
                         % json.dumps(task, indent=1, default=str))
        self.assertEqual(task["stopCode"], "EssentialContainerExited")
        enis = [a for a in task.get("attachments", []) if a["type"] == "ElasticNetworkInterface"]
        self.assertEqual(len(enis), 1, task.get("attachments"))
        details = {d["name"]: d.get("value") for d in enis[0]["details"]}
        self.assertTrue(details.get("privateIPv4Address"),
                        "the ENI attachment has no privateIPv4Address: %s" % details)

    # -- resources, health, stopping ------------------------------------------------------------

    def test_container_over_its_memory_limit_is_oom_killed(self):
        family = self.unique("hog")
        self.register(family, [busybox('x=$(head -c 100000000 /dev/zero | tr "\\0" a); '
                                       'echo survived', name="hog", memory=16)])
        arn = self.run_one(family)["taskArn"]
        task = self.stopped(arn)
        hog = container_of(task, "hog")
        self.assertEqual(hog.get("reason"), OOM_REASON, hog)
        self.assertEqual(hog.get("exitCode"), 137, hog)
        self.assertEqual(task["stopCode"], "EssentialContainerExited")

    def test_docker_health_checks_set_container_and_task_health(self):
        def checked(command):
            return busybox("exec sleep 600", healthCheck={
                "command": ["CMD-SHELL", command], "interval": 5, "timeout": 2, "retries": 1,
                "startPeriod": 0})

        good, bad = self.unique("healthy"), self.unique("unhealthy")
        self.register(good, [checked("exit 0")])
        self.register(bad, [checked("exit 1")])
        good_arn, bad_arn = self.run_many([good, bad])
        task = self.running(good_arn)
        # The first probe comes one interval (5 s) after the start.
        self.assertEqual(container_of(task, "main")["healthStatus"], "UNKNOWN")
        inspected = self.assertTaskContainer(task, "main")
        self.assertEqual(inspected["Config"]["Healthcheck"]["Test"], ["CMD-SHELL", "exit 0"])

        def health_is(status):
            return lambda t: container_of(t, "main").get("healthStatus") == status

        task = self.running(good_arn, timeout=20, check=health_is("HEALTHY"))
        self.assertEqual(task["healthStatus"], "HEALTHY")
        task = self.running(bad_arn, timeout=20, check=health_is("UNHEALTHY"))
        self.assertEqual(task["healthStatus"], "UNHEALTHY")

    def test_stop_task_honours_the_stop_timeout(self):
        stubborn, polite = self.unique("stubborn"), self.unique("polite")
        self.register(stubborn, [busybox(STUBBORN, stopTimeout=2)])
        self.register(polite, [busybox(POLITE, stopTimeout=10)])
        arns = self.run_many([stubborn, polite])
        for arn in arns:
            self.wait_ready(container_of(self.running(arn), "main")["runtimeId"])
        for arn in arns:
            self.ecs.stop_task(task=arn, reason="test")
        seen = task_stopped_within(self.ecs, arns, timeout=20)
        task, seconds = seen[arns[0]]
        self.assertEqual(container_of(task, "main").get("exitCode"), 137, task)
        self.assertGreaterEqual(seconds, 2.0, "SIGKILL came before the stopTimeout")
        self.assertLess(seconds, 15.0)
        self.assertEqual(task["stopCode"], "UserInitiated")
        self.assertEqual(task["stoppedReason"], "test")
        task, seconds = seen[arns[1]]
        self.assertEqual(container_of(task, "main").get("exitCode"), 0, task)
        self.assertLess(seconds, 5.0, "a container that exits on TERM waited for the SIGKILL")

    def test_missing_image_stops_the_task_with_cannot_pull_container_error(self):
        family = self.unique("no-image")
        self.register(family, [busybox("exit 0", image=MISSING_IMAGE)])
        arn = self.run_one(family)["taskArn"]
        task = self.stopped(arn)
        self.assertTrue(task.get("stoppedReason", "").startswith("CannotPullContainerError"),
                        task.get("stoppedReason"))
        self.assertEqual(task["stopCode"], "TaskFailedToStart")
        self.assertTrue(container_of(task, "main").get("reason", "")
                        .startswith("CannotPullContainerError"), container_of(task, "main"))
        self.assertEqual(containers_of_task(arn), [], "a container was made without its image")

    # -- volumes -----------------------------------------------------------------------------------

    def instance_attributes(self):
        return {a["name"] for a in instance_of(self.ecs, self.instance_arn)["attributes"]}

    def test_docker_agent_advertises_the_efs_capability(self):
        # ECS places a task with an efsVolumeConfiguration only on an
        # instance with this attribute; the Docker driver mounts EFS.
        self.assertIn("ecs.capability.efs", self.instance_attributes())

    def test_efs_volume_is_shared_between_tasks(self):
        # Until the agent advertises ecs.capability.efs itself (see the test
        # above), the test gives the instance the attribute, so that the
        # driver's EFS mounts are tested all the same.
        if "ecs.capability.efs" not in self.instance_attributes():
            attribute = {"name": "ecs.capability.efs", "targetType": "container-instance",
                         "targetId": self.instance_arn}
            self.ecs.put_attributes(attributes=[attribute])
            self.addCleanup(self.ecs.delete_attributes, attributes=[attribute])
        os.makedirs(os.path.join(self.efs_dirs[EFS_ID], "data"), exist_ok=True)
        token = self.unique("efs-token")
        volumes = [{"name": "shared", "efsVolumeConfiguration": {
            "fileSystemId": EFS_ID, "rootDirectory": "/data"}}]
        env = [{"name": "TOKEN", "value": token}, {"name": "FILE", "value": token + ".txt"}]
        writer, reader = self.unique("efs-writer"), self.unique("efs-reader")
        self.register(writer, [busybox('echo "$TOKEN" > "/mnt/efs/$FILE"', environment=env,
                                       mountPoints=[mount("shared", "/mnt/efs")])],
                      volumes=volumes)
        self.register(reader, [busybox('[ "$(cat "/mnt/efs/$FILE")" = "$TOKEN" ]',
                                       environment=env,
                                       mountPoints=[mount("shared", "/mnt/efs", True)])],
                      volumes=volumes)
        task = self.stopped(self.run_one(writer)["taskArn"])
        self.assertEqual(container_of(task, "main").get("exitCode"), 0, task)
        on_host = os.path.join(self.efs_dirs[EFS_ID], "data", token + ".txt")
        self.assertEqual(read_text(on_host), token + "\n", "the file is not in the EFS directory")

        # The same reader, told another token, must fail: the check can fail.
        right = self.run_one(reader)["taskArn"]
        wrong = self.run_one(reader, overrides={"containerOverrides": [
            {"name": "main", "environment": [{"name": "TOKEN", "value": "not-" + token}]}]})
        right, wrong = self.stopped(right), self.stopped(wrong["taskArn"])
        self.assertEqual(container_of(right, "main").get("exitCode"), 0, right)
        self.assertEqual(container_of(wrong, "main").get("exitCode"), 1, wrong)

    def test_host_source_path_bind_mount(self):
        with open(os.path.join(self.tmp, "in.txt"), "w", encoding="utf-8") as f:
            f.write("from-host\n")
        family = self.unique("bind")
        self.register(family, [busybox('read line < /hostdir/in.txt; '
                                       'echo "$line and back" > /hostdir/out.txt',
                                       mountPoints=[mount("host", "/hostdir")])],
                      volumes=[host_volume("host", self.tmp)])
        task = self.stopped(self.run_one(family)["taskArn"])
        self.assertEqual(container_of(task, "main").get("exitCode"), 0, task)
        self.assertEqual(read_text(os.path.join(self.tmp, "out.txt")), "from-host and back\n")

    def test_a_forgotten_task_leaves_no_containers_or_volumes(self):
        # Bridge tasks and an awsvpc one (with its network namespace's pause
        # container), each with a task-scope scratch volume.
        bridge, awsvpc = self.unique("leftovers"), self.unique("leftovers-awsvpc")
        scratch = [mount("scratch", "/scratch")]
        containers = [busybox("echo one > /scratch/a", name="one", mountPoints=scratch),
                      busybox("echo two > /scratch/b", name="two", mountPoints=scratch)]
        self.register(bridge, containers, volumes=[{"name": "scratch"}])
        self.register(awsvpc, containers, volumes=[{"name": "scratch"}], networkMode="awsvpc")
        arns = self.run_many([bridge] * 3)
        arns += self.run_many([awsvpc], networkConfiguration={
            "awsvpcConfiguration": {"subnets": ["subnet-0123456789abcdef0"]}})
        seen = task_stopped_within(self.ecs, arns, timeout=30)
        for arn in arns:
            for name in ("one", "two"):
                self.assertEqual(container_of(seen[arn][0], name).get("exitCode"), 0, seen[arn])

        def leftovers():
            containers = [name for arn in arns for name in docker(
                "ps", "-a", "--filter", "label=%s=%s" % (LABEL_TASK_ARN, arn),
                "--format", "{{.Names}}").stdout.split()]
            volumes = [v for v in docker("volume", "ls", "-q").stdout.split()
                       if any(v.startswith("gantry-%s-" % arn.rsplit("/", 1)[1]) for arn in arns)]
            return containers + volumes

        try:
            wait_for(lambda: not leftovers(), 10, "the tasks' containers and volumes to go",
                     interval=0.2)
        except AssertionError as timed_out:
            self.fail("%s; still there: %s" % (timed_out, leftovers()))

    # -- overrides, restarts ---------------------------------------------------------------------

    def test_overrides_command_and_environment_in_a_batch(self):
        family = self.unique("batch")
        self.register(family, [busybox('echo "definition $A"; exit 1',
                                       environment=[{"name": "A", "value": "def"}],
                                       mountPoints=[mount("out", "/out")])],
                      volumes=[host_volume("out", self.tmp)])
        codes = [0, 3, 42, 7]
        arns = []
        for i, code in enumerate(codes):
            arns.append(self.run_one(family, overrides={"containerOverrides": [{
                "name": "main",
                "command": ['echo "override $A $B" > /out/%d.txt; exit %d' % (i, code)],
                "environment": [{"name": "B", "value": "b%d" % i}]}]})["taskArn"])
        # One more that stays up, so its output can be read from the engine.
        live = self.run_one(family, overrides={"containerOverrides": [{
            "name": "main", "command": ['echo "live $A $B"; exec sleep 600'],
            "environment": [{"name": "A", "value": "over"}, {"name": "B", "value": "added"}]}]})
        seen = task_stopped_within(self.ecs, arns, timeout=30)
        for i, (arn, code) in enumerate(zip(arns, codes)):
            task, _ = seen[arn]
            self.assertEqual(container_of(task, "main").get("exitCode"), code, task)
            self.assertEqual(read_text(os.path.join(self.tmp, "%d.txt" % i)),
                             "override def b%d\n" % i)
        runtime_id = container_of(self.running(live["taskArn"]), "main")["runtimeId"]
        wait_for(lambda: docker_logs(runtime_id) == "live over added\n", 10,
                 "docker logs to show the overridden command's output", interval=0.1)

    def test_restart_policy_restarts_the_container_in_place(self):
        restarting, ignoring = self.unique("restarting"), self.unique("ignoring")
        script = "echo run >> /vol/count; sleep 2; exit 1"
        dirs = {}
        for family, policy in ((restarting, {"enabled": True, "restartAttemptPeriod": 1}),
                               (ignoring, {"enabled": True, "restartAttemptPeriod": 1,
                                           "ignoredExitCodes": [1]})):
            dirs[family] = os.path.join(self.tmp, family)
            os.mkdir(dirs[family])
            self.register(family, [busybox(script, restartPolicy=policy,
                                           mountPoints=[mount("vol", "/vol")])],
                          volumes=[host_volume("vol", dirs[family])])
        restarting_arn, ignoring_arn = self.run_many([restarting, ignoring])

        def runs(family):
            return read_text(os.path.join(dirs[family], "count")).count("run")

        first_id = container_of(self.running(restarting_arn), "main")["runtimeId"]
        try:
            wait_for(lambda: runs(restarting) >= 2, 15, "the container to be restarted",
                     interval=0.1)
        except AssertionError as timed_out:
            self.fail("%s; the task now: %s" % (timed_out, json.dumps(
                describe_task(self.ecs, restarting_arn), indent=1, default=str)))
        task = self.running(restarting_arn, timeout=10,
                            check=lambda t: container_of(t, "main")["runtimeId"] != first_id)
        self.assertEqual(task["desiredStatus"], "RUNNING")
        wait_gone(first_id, 10)

        task = self.stopped(ignoring_arn, timeout=15)
        self.assertEqual(container_of(task, "main").get("exitCode"), 1, task)
        self.assertEqual(runs(ignoring), 1, "an ignored exit code restarted the container")

    # -- the task metadata endpoint -------------------------------------------------------------

    def test_gantry_stats_shows_a_running_task_live(self):
        family = self.unique("stats")
        # Allocates about 20 MiB and keeps a core busy, so both figures move.
        self.register(family, [busybox('x=$(head -c 20000000 /dev/zero | tr "\\0" a); '
                                       'while true; do :; done', memory=128)])
        arn = self.run_one(family)["taskArn"]
        self.running(arn)
        task_id = arn.rsplit("/", 1)[1]
        env = dict(os.environ, AWS_ACCESS_KEY_ID=self.gantry.access_key,
                   AWS_SECRET_ACCESS_KEY=self.gantry.secret_key)
        row = None

        def sampled():
            nonlocal row
            out = subprocess.run([gantry_binary(), "stats", "--endpoint", self.gantry.endpoint],
                                 env=env, capture_output=True, text=True, timeout=10)
            self.assertEqual(out.returncode, 0, out.stderr)
            row = next((line for line in out.stdout.splitlines() if line.startswith(task_id)),
                       None)
            return row is not None and not re.search(r"\s0\.00%", row.split("main", 1)[1])

        wait_for(sampled, 20, "gantry stats to show the task's CPU")
        cpu, usage, limit = re.search(
            r"main\s+([\d.]+)%\s+([\d.]+\w+)\s*/\s*([\d.]+\w+)", row).groups()
        self.assertGreater(float(cpu), 10.0, row)
        self.assertEqual(limit, "128MiB", row)
        self.assertTrue(usage.endswith("MiB"), row)
        self.assertGreater(float(usage[:-3]), 15.0, row)

    def test_task_metadata_endpoint_v4(self):
        family = self.unique("metadata")
        fetch = ('echo "$ECS_CONTAINER_METADATA_URI_V4" > /out/uri; '
                 '[ -n "$ECS_CONTAINER_METADATA_URI_V4" ] || exit 10; '
                 'timeout 10 wget -q -O /out/task.json "$ECS_CONTAINER_METADATA_URI_V4/task" '
                 '|| exit 11; '
                 'timeout 10 wget -q -O /out/container.json "$ECS_CONTAINER_METADATA_URI_V4" '
                 '|| exit 12; '
                 'timeout 10 wget -q -O /out/stats.json "$ECS_CONTAINER_METADATA_URI_V4/stats" '
                 '|| exit 13')
        self.register(family, [busybox(fetch, mountPoints=[mount("out", "/out")])],
                      volumes=[host_volume("out", self.tmp)], cpu="256", memory="128")
        arn = self.run_one(family)["taskArn"]
        task = self.stopped(arn, timeout=40)
        main = container_of(task, "main")
        uri = read_text(os.path.join(self.tmp, "uri")).strip()
        self.assertEqual(main.get("exitCode"), 0,
                         "fetching the metadata failed (10: no ECS_CONTAINER_METADATA_URI_V4, "
                         "11: /task, 12: the container's, 13: /stats); the URI was %r; %s"
                         % (uri, main))

        def document(name):
            text = read_text(os.path.join(self.tmp, name))
            try:
                return json.loads(text)
            except ValueError:
                self.fail("%s is not JSON: %r" % (name, text[:500]))

        metadata = document("task.json")
        self.assertEqual(metadata.get("TaskARN"), arn, metadata)
        self.assertEqual(metadata.get("Limits"), {"CPU": 0.25, "Memory": 128}, metadata)
        self.assertEqual(metadata["Containers"][0].get("DockerId"), main["runtimeId"], metadata)
        self.assertEqual(metadata["Containers"][0].get("Limits", {}).get("Memory"), 32, metadata)
        own = document("container.json")
        self.assertEqual(own.get("DockerId"), main["runtimeId"], own)
        self.assertEqual(own.get("Name"), "main", own)
        self.assertIsInstance(document("stats.json"), dict)


class DockerAgentRestartTest(DockerTracking, unittest.TestCase):
    """`gantry server` and one `gantry agent --driver docker`, restarted
    under its running containers."""

    server = None
    agent = None
    ecs = None
    cluster = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.class_task_arns = set()
        require_docker()
        ensure_busybox_image()
        try:
            cls.server = GantryServer(agent_idle_timeout_s=2).start()
            cls.ecs = cls.server.client()
            cls.cluster = "docker-agents-%d" % os.getpid()
            cls.ecs.create_cluster(clusterName=cls.cluster)
            cls.agent = docker_agent(cls.server, cls.cluster)
            cls.agent.start()
            wait_for(lambda: cls.connected(), 10, "the agent to show as connected")
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.agent:
                cls.agent.cleanup()
            if cls.server:
                cls.server.cleanup()
        finally:
            remove_task_leftovers(cls.class_task_arns)
        super().tearDownClass()

    @classmethod
    def connected(cls):
        return instance_of(cls.ecs, cls.agent.instance_arn, cls.cluster)["agentConnected"]

    def run(self, result=None):
        before = (len(result.failures), len(result.errors)) if result else None
        outcome = super().run(result)
        if result is not None and (len(result.failures), len(result.errors)) != before:
            for name, process in (("server", self.server), ("agent", self.agent)):
                if process is not None:
                    sys.stderr.write("\n--- %s log (%s), last 6000 chars ---\n%s--- end ---\n"
                                     % (name, self.id(), process.log_text()[-6000:]))
        return outcome

    def stop_quietly(self, task_arn, cluster=None):
        try:
            self.ecs.stop_task(cluster=cluster or self.cluster, task=task_arn)
        except Exception:  # the test already failed; do not hide that
            pass

    def task(self, arn, status, timeout=20, check=None):
        return wait_for_task(self.ecs, arn, status, cluster=self.cluster, timeout=timeout,
                             check=check)

    def run_polite(self, family):
        answer = self.ecs.run_task(cluster=self.cluster, taskDefinition=family)
        self.assertEqual(answer["failures"], [], answer)
        arn = self.track(answer["tasks"][0]["taskArn"], self.cluster)
        runtime_id = container_of(self.task(arn, "RUNNING"), "main")["runtimeId"]
        wait_for(lambda: "ready" in docker_logs(runtime_id), 10, "the container to say ready",
                 interval=0.1)
        return arn, runtime_id

    def test_agent_start_leaves_another_agents_containers_alone(self):
        # Another agent (another cluster, another `gantry dev`) may share the
        # engine: what this agent never made is not its orphan.
        other_arn = "arn:aws:ecs:us-east-1:123456789012:task/elsewhere-%d/%s" % (
            os.getpid(), "0" * 32)
        foreign = docker("run", "-d", "--label", "%s=true" % LABEL_MANAGED,
                         "--label", "%s=%s" % (LABEL_TASK_ARN, other_arn),
                         "--label", "%s=main" % LABEL_CONTAINER_NAME,
                         "--label", "com.gantry.cluster=elsewhere-%d" % os.getpid(),
                         IMAGE, "sleep", "600").stdout.strip()
        self.addCleanup(docker, "rm", "-f", foreign, check=False)
        self.assertEqual(self.agent.stop(), 0)
        self.agent.start()
        wait_for(self.connected, 10, "the restarted agent to connect")
        self.assertTrue(container_running(foreign),
                        "the agent removed a container of another cluster's task")

    def test_containers_outlive_an_agent_restart_and_a_stop_while_it_is_away(self):
        family = "polite-%d" % os.getpid()
        self.ecs.register_task_definition(family=family, containerDefinitions=[
            busybox(POLITE, stopTimeout=10)])

        # The agent restarts under a running container, which keeps running.
        arn, runtime_id = self.run_polite(family)
        started_at = inspect_container(runtime_id)["State"]["StartedAt"]
        self.assertEqual(self.agent.stop(), 0, "the agent did not exit cleanly on SIGTERM")
        wait_for(lambda: not self.connected(), 10, "the control plane to see the agent gone")
        self.assertTrue(container_running(runtime_id), "the container died with its agent")
        self.agent.start()
        wait_for(self.connected, 10, "the restarted agent to connect")
        self.assertEqual(self.agent.log_text().count("reattached to task " + arn), 1)
        task = self.task(arn, "RUNNING")
        self.assertEqual(container_of(task, "main")["runtimeId"], runtime_id)
        self.assertEqual(inspect_container(runtime_id)["State"]["StartedAt"], started_at,
                         "the container was restarted")
        self.assertEqual(containers_of_task(arn), [runtime_id])
        # The restarted agent controls it.
        self.ecs.stop_task(cluster=self.cluster, task=arn)
        task = self.task(arn, "STOPPED", timeout=15)
        self.assertEqual(container_of(task, "main").get("exitCode"), 0, task)
        self.assertEqual(task["stopCode"], "UserInitiated")
        wait_gone(runtime_id, 20)

        # StopTask while the agent is away: the agent stops the container
        # when it is back, and removes it once the task is forgotten.
        arn, runtime_id = self.run_polite(family)
        self.assertEqual(self.agent.stop(), 0)
        wait_for(lambda: not self.connected(), 10, "the control plane to see the agent gone")
        self.ecs.stop_task(cluster=self.cluster, task=arn)
        task = describe_task(self.ecs, arn, self.cluster)
        self.assertEqual(task["desiredStatus"], "STOPPED")
        self.assertIn(task["lastStatus"], ("RUNNING", "STOPPING"), "the agent is away")
        # Only the agent stops containers, and it has exited: nothing does.
        self.assertFalse(self.agent.running())
        assert_holds(lambda: container_running(runtime_id), 0.5,
                     "the container running while its agent is away (who stopped it?)")
        self.agent.start()
        task = self.task(arn, "STOPPED", timeout=15)
        self.assertEqual(container_of(task, "main").get("exitCode"), 0, task)
        self.assertFalse(container_running(runtime_id))
        wait_gone(runtime_id, 20)


if __name__ == "__main__":
    unittest.main()
