#pragma once
// Real request bodies, as the aws cli and boto3 send them, shared by
// schema_test.cc and bench/schema_bench.cc.
#include <string_view>

namespace gantry::model::testing_bodies {

// Three containers and most optional members of a task definition.
inline constexpr std::string_view kRegisterTaskDefinition = R"json({
  "family": "web-stack",
  "taskRoleArn": "arn:aws:iam::123456789012:role/web-task",
  "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
  "networkMode": "bridge",
  "requiresCompatibilities": ["EC2", "EXTERNAL"],
  "cpu": "1024",
  "memory": "2 GB",
  "pidMode": "task",
  "ipcMode": "none",
  "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
  "ephemeralStorage": {"sizeInGiB": 30},
  "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ g5.*"}],
  "volumes": [
    {"name": "data", "host": {"sourcePath": "/srv/data"}},
    {"name": "scratch", "dockerVolumeConfiguration": {"scope": "task", "driver": "local", "driverOpts": {"type": "tmpfs"}, "labels": {"team": "web"}}},
    {"name": "shared", "efsVolumeConfiguration": {"fileSystemId": "fs-12345678", "rootDirectory": "/", "transitEncryption": "ENABLED", "transitEncryptionPort": 2049, "authorizationConfig": {"accessPointId": "fsap-1234", "iam": "ENABLED"}}}
  ],
  "containerDefinitions": [
    {
      "name": "web",
      "image": "nginx:1.25",
      "cpu": 512,
      "memory": 1024,
      "memoryReservation": 512,
      "essential": true,
      "portMappings": [
        {"containerPort": 80, "hostPort": 8080, "protocol": "tcp", "name": "http", "appProtocol": "http"},
        {"containerPort": 443, "hostPort": 8443.0, "protocol": "tcp"}
      ],
      "environment": [{"name": "MODE", "value": "production"}, {"name": "WORKERS", "value": "4"}],
      "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/db"}],
      "mountPoints": [{"sourceVolume": "data", "containerPath": "/usr/share/nginx/html", "readOnly": true}],
      "volumesFrom": [{"sourceContainer": "sidecar", "readOnly": false}],
      "dependsOn": [{"containerName": "sidecar", "condition": "START"}],
      "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 10},
      "logConfiguration": {"logDriver": "json-file", "options": {"max-size": "10m", "max-file": "3"}},
      "dockerLabels": {"com.example.team": "web", "mykey": "myvalue"},
      "ulimits": [{"name": "nofile", "softLimit": 65536, "hardLimit": 65536}],
      "linuxParameters": {"capabilities": {"add": ["NET_ADMIN"], "drop": ["MKNOD"]}, "initProcessEnabled": true, "sharedMemorySize": 256, "tmpfs": [{"containerPath": "/tmp", "size": 64, "mountOptions": ["rw"]}], "devices": [{"hostPath": "/dev/fuse", "permissions": ["read", "write"]}]},
      "systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}],
      "extraHosts": [{"hostname": "db.internal", "ipAddress": "10.0.0.5"}],
      "dnsServers": ["10.0.0.2"],
      "stopTimeout": 30,
      "startTimeout": 60,
      "user": "nginx",
      "workingDirectory": "/usr/share/nginx",
      "readonlyRootFilesystem": false,
      "privileged": false,
      "command": ["nginx", "-g", "daemon off;"],
      "entryPoint": ["/docker-entrypoint.sh"],
      "restartPolicy": {"enabled": true, "ignoredExitCodes": [0], "restartAttemptPeriod": 300}
    },
    {
      "name": "sidecar",
      "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
      "essential": false,
      "memoryReservation": 128,
      "firelensConfiguration": {"type": "fluentbit", "options": {"enable-ecs-log-metadata": "true"}},
      "environment": [{"name": "AWS_REGION", "value": "us-east-1"}],
      "repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:us-east-1:123456789012:secret:creds"}
    },
    {
      "name": "trainer",
      "image": "nvcr.io/nvidia/pytorch:24.01-py3",
      "essential": true,
      "memory": 8192,
      "resourceRequirements": [{"type": "GPU", "value": "2"}],
      "command": ["python", "train.py", "--epochs", "10"],
      "environment": [{"name": "NCCL_DEBUG", "value": "INFO"}],
      "mountPoints": [{"sourceVolume": "shared", "containerPath": "/mnt/shared"}],
      "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/trainer", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "trainer"}, "secretOptions": [{"name": "token", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/token"}]},
      "pseudoTerminal": false,
      "interactive": false
    }
  ],
  "tags": [{"key": "team", "value": "web"}, {"key": "cost-center", "value": "héllo wörld 42"}]
})json";

inline constexpr std::string_view kCreateCluster = R"json({
  "clusterName": "gpu-lab",
  "settings": [{"name": "containerInsights", "value": "enhanced"}],
  "configuration": {
    "executeCommandConfiguration": {
      "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/abcd",
      "logging": "OVERRIDE",
      "logConfiguration": {"cloudWatchEncryptionEnabled": true, "cloudWatchLogGroupName": "/ecs/exec", "s3BucketName": "exec-logs", "s3EncryptionEnabled": false, "s3KeyPrefix": "exec/"}
    },
    "managedStorageConfiguration": {"kmsKeyId": "key-1", "fargateEphemeralStorageKmsKeyId": "key-2"}
  },
  "capacityProviders": ["FARGATE", "FARGATE_SPOT"],
  "defaultCapacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 1}],
  "serviceConnectDefaults": {"namespace": "lab.local"},
  "tags": [{"key": "env", "value": "lab"}, {"key": "owner", "value": "ml-team"}]
})json";

inline constexpr std::string_view kDescribeClusters = R"json({"clusters": ["default", "gpu-lab", "arn:aws:ecs:us-east-1:123456789012:cluster/ci"], "include": ["ATTACHMENTS", "CONFIGURATIONS", "SETTINGS", "STATISTICS", "TAGS"]})json";

}  // namespace gantry::model::testing_bodies
