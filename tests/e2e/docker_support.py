"""Docker for the end-to-end tests: a tiny local image, the `docker` CLI,
and a `gantry dev --driver docker` per test class.

No registry can be reached from a test machine, so the image the tests run
(gantry-test/busybox:latest) is built from the host's static busybox by
scripts/busybox_image.sh, as `scripts/dev.sh` builds it; when it exists,
ensure_busybox_image() only inspects it.

A test that needs Docker fails when no engine answers (require_docker): a
test machine is meant to run one, and a skipped suite would hide that it
does not. Containers and volumes the tests' tasks leave are removed by
label (com.gantry.task-arn) when a test and its class end.
"""
import fcntl
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from cluster_processes import POLL_INTERVAL_S, DevTestCase, GantryAgent, wait_for


IMAGE = "gantry-test/busybox:latest"
MISSING_IMAGE = "gantry-test/does-not-exist:1"
BUILD_IMAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                           "busybox_image.sh")
DOCKER_TIMEOUT_S = 30
LABEL_TASK_ARN = "com.gantry.task-arn"
LABEL_CONTAINER_NAME = "com.gantry.container-name"
LABEL_MANAGED = "com.gantry.managed"
_IMAGE_LOCK = os.path.join(tempfile.gettempdir(), "gantry-e2e-busybox-image.lock")


# -- the docker CLI -------------------------------------------------------------------


def docker(*args, timeout=DOCKER_TIMEOUT_S, check=True, input=None):
    """Runs `docker <args>`; a CompletedProcess with text output. With
    check, a failure raises AssertionError with what docker said."""
    done = subprocess.run(["docker", *args], input=input, capture_output=True, text=True,
                          timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError("docker %s failed (%d): %s" % (" ".join(args), done.returncode,
                                                             done.stderr.strip()))
    return done


def require_docker():
    """The engine's version; fails loudly (never skips) when none answers."""
    if not shutil.which("docker"):
        raise AssertionError("the docker CLI is not installed; the Docker driver tests need it "
                             "and a running engine")
    try:
        done = docker("version", "--format", "{{.Server.Version}}", check=False, timeout=15)
    except subprocess.TimeoutExpired:
        raise AssertionError("the Docker engine did not answer `docker version` in 15 s")
    if done.returncode != 0 or not done.stdout.strip():
        raise AssertionError("no Docker engine answers at $DOCKER_HOST or /var/run/docker.sock "
                             "(start one, e.g. with scripts/start_docker.sh): %s"
                             % done.stderr.strip())
    return done.stdout.strip()


def inspect_container(id_or_name):
    """`docker inspect` of one container, or None when the engine has none."""
    done = docker("container", "inspect", id_or_name, check=False)
    if done.returncode != 0:
        return None
    return json.loads(done.stdout)[0]


def container_running(id_or_name):
    inspected = inspect_container(id_or_name)
    return bool(inspected and inspected["State"]["Running"])


def containers_of_task(task_arn, all_states=True):
    """Ids of the engine's containers labelled with `task_arn`."""
    args = ["ps", "-q", "--no-trunc", "--filter", "label=%s=%s" % (LABEL_TASK_ARN, task_arn)]
    if all_states:
        args.insert(1, "-a")
    return docker(*args).stdout.split()


def remove_task_leftovers(task_arns):
    """docker rm -f of every container, then every volume, labelled with
    one of `task_arns`; best effort, for cleanups. Returns what it removed."""
    removed = []
    task_arns = list(task_arns)
    for arn in task_arns:
        try:
            ids = containers_of_task(arn)
            if ids:
                docker("rm", "-f", *ids, check=False)
                removed += ids
        except Exception:  # a cleanup must not hide the test's own failure
            pass
    for arn in task_arns:
        try:
            names = docker("volume", "ls", "-q", "--filter",
                           "label=%s=%s" % (LABEL_TASK_ARN, arn)).stdout.split()
            if names:
                docker("volume", "rm", "-f", *names, check=False)
                removed += names
        except Exception:
            pass
    return removed


def docker_logs(id_or_name):
    """The container's stdout and stderr as the engine kept them."""
    done = docker("logs", id_or_name, check=False)
    return done.stdout + done.stderr


# -- the test image -------------------------------------------------------------------------


def image_exists(tag=IMAGE):
    return docker("image", "inspect", "--format", "{{.Id}}", tag, check=False).returncode == 0


def ensure_busybox_image(tag=IMAGE):
    """Builds `tag` with scripts/busybox_image.sh unless the engine has it.
    A lock file serialises test processes that build at the same time."""
    if image_exists(tag):
        return tag
    with open(_IMAGE_LOCK, "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = subprocess.run([BUILD_IMAGE, tag], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise AssertionError("%s %s failed: %s" % (BUILD_IMAGE, tag, done.stderr))
    return tag


# -- networking -------------------------------------------------------------------------------


def free_port():
    """A TCP port nothing listens on now (on every address, as Docker binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def http_get(url, timeout=1.0):
    """The body at `url`, or None when nothing (good) answers there yet."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, socket.timeout, OSError):
        return None


def wait_for_http(url, expected, timeout=10):
    """Polls `url` until its body contains `expected`; returns the body."""
    return wait_for(lambda: (lambda body: body if body and expected in body else None)(
        http_get(url)), timeout, "%s to answer with %r" % (url, expected), interval=0.1)


# -- container definitions --------------------------------------------------------------------


def busybox(script, name="main", **extra):
    """A container of the test image that runs `script` with /bin/sh -c.
    stopTimeout is short: busybox sh as PID 1 ignores SIGTERM, so a stop
    waits for the SIGKILL."""
    container = {"name": name, "image": IMAGE, "memory": 32, "essential": True,
                 "entryPoint": ["/bin/sh", "-c"], "command": [script], "stopTimeout": 2}
    container.update(extra)
    return container


def web_server(port, body, name="web", **extra):
    """busybox httpd in the foreground on `port`, serving `body` at /."""
    script = ('mkdir -p /www && echo "%s" > /www/index.html && exec httpd -f -p %d -h /www'
              % (body, port))
    return busybox(script, name=name, **extra)


# -- gantry with the Docker driver --------------------------------------------------------------


class DockerTracking:
    """Mixin: remembers the tasks a test runs and, when the test ends,
    stops them and removes their containers from the engine. The class
    keeps every ARN too (class_task_arns), for its own teardown."""

    class_task_arns = set()

    def track(self, task_arn, cluster=None):
        if not hasattr(self, "_tracked"):
            self._tracked = []
            self.addCleanup(self._remove_tracked)
        self._tracked.append((task_arn, cluster))
        type(self).class_task_arns.add(task_arn)
        return task_arn

    def _remove_tracked(self):
        for arn, cluster in self._tracked:
            self.stop_quietly(arn, cluster)
        remove_task_leftovers(arn for arn, _ in self._tracked)


class DockerDevTestCase(DockerTracking, DevTestCase):
    """DevTestCase whose `gantry dev` runs tasks as Docker containers. The
    class's EFS file systems (fs id -> a directory the class makes) are
    given to the agent with --efs-volume; extra_gantry_args go last."""

    efs_file_systems = ()  # ids; each gets a fresh directory in efs_dirs
    extra_gantry_args = ()
    efs_dirs = {}

    @classmethod
    def gantry_args(cls):
        args = ["--driver", "docker"]
        for fs_id, directory in cls.efs_dirs.items():
            args += ["--efs-volume", "%s=%s" % (fs_id, directory)]
        return args + list(cls.extra_gantry_args)

    @classmethod
    def setUpClass(cls):
        require_docker()
        ensure_busybox_image()
        cls.class_task_arns = set()
        cls.efs_dirs = {fs_id: tempfile.mkdtemp(prefix="gantry-e2e-efs-")
                        for fs_id in cls.efs_file_systems}
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            remove_task_leftovers(cls.class_task_arns)
            for directory in cls.efs_dirs.values():
                shutil.rmtree(directory, ignore_errors=True)

    @classmethod
    def quiesce(cls, timeout=10):
        # Containers that ignore SIGTERM would hold the stop for their
        # stopTimeout: remove them first, the agent sees them exit.
        remove_task_leftovers(cls.class_task_arns)
        super().quiesce(timeout)

    def run_one(self, family, **kwargs):
        task = super().run_one(family, **kwargs)
        self.track(task["taskArn"], kwargs.get("cluster"))
        return task

    def run_many(self, families, **kwargs):
        """RunTask for each family (one task each), in order; their ARNs."""
        return [self.run_one(family, **kwargs)["taskArn"] for family in families]


def docker_agent(server, cluster, **kwargs):
    """A GantryAgent (not started) with the Docker driver."""
    return GantryAgent(server, cluster, driver="docker", **kwargs)


def wait_gone(id_or_name, timeout=20):
    """Waits until the engine no longer has the container."""
    wait_for(lambda: inspect_container(id_or_name) is None, timeout,
             "container %s to be removed from the engine" % id_or_name[:12], interval=0.2)


def task_stopped_within(ecs, task_arns, timeout, cluster=None):
    """Polls DescribeTasks until every task is STOPPED; returns
    {arn: (task, seconds from the call until it was seen STOPPED)}."""
    began = time.monotonic()
    seen = {}
    deadline = began + timeout
    while True:
        pending = [arn for arn in task_arns if arn not in seen]
        if not pending:
            return seen
        kwargs = {"tasks": pending}
        if cluster:
            kwargs["cluster"] = cluster
        for task in ecs.describe_tasks(**kwargs)["tasks"]:
            if task["lastStatus"] == "STOPPED":
                seen[task["taskArn"]] = (task, time.monotonic() - began)
        if time.monotonic() > deadline and len(seen) < len(task_arns):
            raise AssertionError("not STOPPED after %d s: %s"
                                 % (timeout, [a for a in task_arns if a not in seen]))
        time.sleep(POLL_INTERVAL_S)

