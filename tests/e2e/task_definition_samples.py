"""Task definitions in the style of real ones, shared by the e2e tests.

`web_service(family)` fills every optional member that ECS accepts for an
EC2 task in bridge mode; `fargate_service(family)` the Fargate-only ones
(ephemeralStorage, proxyConfiguration, enableFaultInjection). The
`expected_*` functions return what DescribeTaskDefinition must answer for
them, less the members ECS computes: the request plus ECS's defaults.
"""
import copy

ACCOUNT = "123456789012"
EXECUTION_ROLE = "arn:aws:iam::%s:role/ecsTaskExecutionRole" % ACCOUNT
TASK_ROLE = "arn:aws:iam::%s:role/web-task" % ACCOUNT
SSM = "arn:aws:ssm:us-east-1:%s:parameter/" % ACCOUNT
SECRETS_MANAGER = "arn:aws:secretsmanager:us-east-1:%s:secret:" % ACCOUNT

# The members ECS adds on registration; tests check them one by one.
COMPUTED = ("taskDefinitionArn", "revision", "status", "compatibilities", "requiresAttributes",
            "registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt")


def _web_container():
    return {
        "name": "web",
        "image": "public.ecr.aws/nginx/nginx:1.25",
        "cpu": 512,
        "memory": 512,
        "memoryReservation": 256,
        "links": ["app:backend"],
        "portMappings": [
            {"containerPort": 80, "hostPort": 8080, "protocol": "tcp", "name": "http",
             "appProtocol": "http"},
            {"containerPort": 443, "hostPort": 0, "protocol": "tcp", "name": "https",
             "appProtocol": "http2"},
        ],
        "essential": True,
        "restartPolicy": {"enabled": True, "ignoredExitCodes": [0], "restartAttemptPeriod": 60},
        "entryPoint": ["/docker-entrypoint.sh"],
        "command": ["nginx", "-g", "daemon off;"],
        "environment": [{"name": "NGINX_PORT", "value": "80"},
                        {"name": "BACKEND_URL", "value": "http://backend:8000"}],
        "environmentFiles": [{"value": "arn:aws:s3:::web-config-bucket/web.env", "type": "s3"}],
        "mountPoints": [{"sourceVolume": "static", "containerPath": "/usr/share/nginx/html",
                         "readOnly": True}],
        "volumesFrom": [{"sourceContainer": "app", "readOnly": True}],
        "linuxParameters": {
            "capabilities": {"add": ["NET_ADMIN", "SYS_PTRACE"], "drop": ["MKNOD"]},
            "devices": [{"hostPath": "/dev/fuse", "containerPath": "/dev/fuse",
                         "permissions": ["read", "write"]}],
            "initProcessEnabled": True,
            "sharedMemorySize": 128,
            "tmpfs": [{"containerPath": "/run", "size": 64, "mountOptions": ["rw", "noexec"]}],
            "maxSwap": 1024,
            "swappiness": 60,
        },
        "secrets": [
            {"name": "DB_PASSWORD", "valueFrom": SECRETS_MANAGER + "prod/db-AbCdEf"},
            {"name": "API_TOKEN", "valueFrom": SSM + "prod/api-token"},
        ],
        "dependsOn": [{"containerName": "app", "condition": "HEALTHY"},
                      {"containerName": "init", "condition": "SUCCESS"}],
        "startTimeout": 120,
        "stopTimeout": 30,
        "versionConsistency": "enabled",
        "hostname": "web",
        "user": "101:101",
        "workingDirectory": "/usr/share/nginx",
        "disableNetworking": False,
        "privileged": False,
        "readonlyRootFilesystem": False,
        "dnsServers": ["10.0.0.2"],
        "dnsSearchDomains": ["example.internal"],
        "extraHosts": [{"hostname": "metadata", "ipAddress": "169.254.169.254"}],
        "dockerSecurityOptions": ["no-new-privileges"],
        "interactive": False,
        "pseudoTerminal": False,
        "dockerLabels": {"com.example.tier": "frontend", "com.example.owner": "web-team"},
        "ulimits": [{"name": "nofile", "softLimit": 65536, "hardLimit": 65536}],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1",
                        "awslogs-stream-prefix": "web", "mode": "non-blocking"},
            "secretOptions": [{"name": "awslogs-credentials", "valueFrom": SSM + "logs/key"}],
        },
        "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
                        "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 10},
        "systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}],
    }


def _app_container():
    # Leaves out volumesFrom: ECS fills [].
    return {
        "name": "app",
        "image": "registry.example.com/ml/app:2.3",
        "repositoryCredentials": {"credentialsParameter": SECRETS_MANAGER + "registry-AbCdEf"},
        "cpu": 1024,
        "memory": 2048,
        "portMappings": [{"containerPort": 8000, "name": "api", "appProtocol": "http"}],
        "essential": True,
        "environment": [{"name": "MODEL_PATH", "value": "/models/current"},
                        {"name": "WORKERS", "value": "4"}],
        "mountPoints": [{"sourceVolume": "models", "containerPath": "/models", "readOnly": False},
                        {"sourceVolume": "cache", "containerPath": "/cache"}],
        "secrets": [{"name": "HF_TOKEN", "valueFrom": SSM + "ml/hf-token"}],
        "dependsOn": [{"containerName": "log_router", "condition": "START"}],
        "resourceRequirements": [{"type": "GPU", "value": "1"}],
        "ulimits": [{"name": "memlock", "softLimit": -1, "hardLimit": -1}],
        "linuxParameters": {"initProcessEnabled": True},
        "logConfiguration": {
            "logDriver": "awsfirelens",
            "options": {"Name": "cloudwatch", "region": "us-east-1", "log_group_name": "/ecs/app",
                        "auto_create_group": "true"},
        },
        "healthCheck": {"command": ["CMD", "/app/healthcheck"], "interval": 10, "timeout": 3,
                        "retries": 5, "startPeriod": 60},
        "dockerLabels": {"com.example.tier": "backend"},
    }


def _log_router_container():
    # Leaves out cpu, portMappings, environment, mountPoints, volumesFrom.
    return {
        "name": "log_router",
        "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
        "memoryReservation": 50,
        "essential": True,
        "user": "0",
        "firelensConfiguration": {"type": "fluentbit",
                                  "options": {"enable-ecs-log-metadata": "true"}},
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": "/ecs/firelens", "awslogs-region": "us-east-1",
                        "awslogs-stream-prefix": "firelens"},
        },
    }


def _init_container():
    # Leaves out essential (true by default: set false here), cpu, portMappings.
    return {
        "name": "init",
        "image": "public.ecr.aws/docker/library/busybox:1.36",
        "memory": 64,
        "essential": False,
        "command": ["sh", "-c", "cp -r /seed/. /scratch/"],
        "mountPoints": [{"sourceVolume": "scratch", "containerPath": "/scratch"}],
    }


def web_service(family):
    """An EC2 task in bridge mode with every optional member ECS accepts there."""
    return {
        "family": family,
        "taskRoleArn": TASK_ROLE,
        "executionRoleArn": EXECUTION_ROLE,
        "networkMode": "bridge",
        "containerDefinitions": [_web_container(), _app_container(), _log_router_container(),
                                 _init_container()],
        "volumes": [
            {"name": "static", "host": {"sourcePath": "/srv/static"}},
            {"name": "cache", "dockerVolumeConfiguration": {
                "scope": "shared", "autoprovision": True, "driver": "local",
                "driverOpts": {"type": "tmpfs", "device": "tmpfs"},
                "labels": {"purpose": "cache"}}},
            {"name": "models", "efsVolumeConfiguration": {
                "fileSystemId": "fs-12345678", "rootDirectory": "/",
                "transitEncryption": "ENABLED", "transitEncryptionPort": 2999,
                "authorizationConfig": {"accessPointId": "fsap-1234567890abcdef0",
                                        "iam": "ENABLED"}}},
            {"name": "scratch"},
        ],
        "placementConstraints": [{"type": "memberOf",
                                  "expression": "attribute:ecs.instance-type =~ g5.*"}],
        "requiresCompatibilities": ["EC2"],
        "cpu": "2048",
        "memory": "4096",
        "pidMode": "task",
        "ipcMode": "task",
        "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
        "tags": [{"key": "team", "value": "web"}, {"key": "cost-center", "value": "42"}],
    }


def fargate_service(family):
    """A Fargate task in awsvpc mode behind an App Mesh proxy."""
    return {
        "family": family,
        "taskRoleArn": TASK_ROLE,
        "executionRoleArn": EXECUTION_ROLE,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "1 vCPU",
        "memory": "2GB",
        "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
        "ephemeralStorage": {"sizeInGiB": 30},
        "enableFaultInjection": True,
        "proxyConfiguration": {
            "type": "APPMESH",
            "containerName": "envoy",
            "properties": [
                {"name": "IgnoredUID", "value": "1337"},
                {"name": "ProxyIngressPort", "value": "15000"},
                {"name": "ProxyEgressPort", "value": "15001"},
                {"name": "AppPorts", "value": "8080"},
                {"name": "EgressIgnoredIPs", "value": "169.254.170.2,169.254.169.254"},
            ],
        },
        "containerDefinitions": [
            {
                "name": "api",
                "image": "%s.dkr.ecr.us-east-1.amazonaws.com/api:1.4.2" % ACCOUNT,
                "cpu": 768,
                "memoryReservation": 1536,
                "portMappings": [{"containerPort": 8080, "name": "api", "appProtocol": "grpc"}],
                "dependsOn": [{"containerName": "envoy", "condition": "HEALTHY"}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": "/ecs/api", "awslogs-region": "us-east-1",
                                "awslogs-stream-prefix": "api"},
                },
            },
            {
                "name": "envoy",
                "image": "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod",
                "cpu": 256,
                "memory": 512,
                "user": "1337",
                "essential": True,
                "environment": [{"name": "APPMESH_RESOURCE_ARN",
                                 "value": "mesh/shop/virtualNode/api"}],
                "healthCheck": {"command": ["CMD-SHELL",
                                            "curl -s http://localhost:9901/server_info | grep state"],
                                "interval": 5, "timeout": 2, "retries": 3, "startPeriod": 10},
            },
        ],
    }


def _fill_container_defaults(container, host_port_is_container_port):
    container.setdefault("cpu", 0)
    container.setdefault("essential", True)
    for member in ("portMappings", "environment", "mountPoints", "volumesFrom"):
        container.setdefault(member, [])
    for mapping in container["portMappings"]:
        mapping.setdefault("protocol", "tcp")
        if host_port_is_container_port:
            mapping.setdefault("hostPort", mapping["containerPort"])


def expected_registered(request):
    """What ECS returns for `request`, less COMPUTED: the request with ECS's defaults."""
    expected = copy.deepcopy(request)
    expected.pop("tags", None)
    host_port_is_container_port = expected.get("networkMode") in ("awsvpc", "host")
    for container in expected["containerDefinitions"]:
        _fill_container_defaults(container, host_port_is_container_port)
    expected.setdefault("volumes", [])
    expected.setdefault("placementConstraints", [])
    return expected


def without_computed(definition):
    return {k: v for k, v in definition.items() if k not in COMPUTED}


def minimal(family, **overrides):
    """The smallest EC2 task definition ECS accepts, with `overrides` at task level."""
    definition = {
        "family": family,
        "containerDefinitions": [{"name": "main", "image": "busybox:1.36", "memory": 64,
                                  "command": ["sleep", "3600"]}],
    }
    definition.update(overrides)
    return definition
