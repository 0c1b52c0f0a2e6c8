#pragma once
// Multi-node jobs that recover by themselves, gantry's own (ECS has none):
// the tasks one RunTask started with the tag gantry:recovery = job. The job
// record (state::JobRecord) holds the Job document below; the job
// controller (controllers/job_controller) moves it through its states and
// every move appends one event to its "events", which the notifier
// (controllers/job_notifier) posts to the operator's webhooks with the job
// as the commit that made the event left it.
//
// The Job document, as DescribeJobs returns it:
//   {"jobArn": "arn:aws:ecs:<region>:<account>:job/<cluster>/<jobId>",
//    "jobId", "clusterArn", "status", "statusReason", "attempt", "maxAttempts",
//    "taskDefinitionArn", "createdAt", "updatedAt",
//    "tasks": [{"taskArn", "containerInstanceArn", "gpuIds": [uuid], "attempt"}],
//    "fault"?: {"kind": GPU_HARDWARE | GPU_APPLICATION | TASK_FAILED | USER_STOPPED,
//               "taskArn", "containerInstanceArn", "gpuId", "pciBusId", "xid",
//               "reason", "message", "exitCode"},
//    "diagnostic"?: {"containerInstanceArn", "gpuIds", "requestId", "status":
//                    PENDING | HEALTHY | UNHEALTHY, "exitCode", "output"},
//    "recovery"?:   {the same members; status PENDING | RECOVERED | FAILED},
//    "previousAttempt"?: {"attempt", "fault", "diagnostic", "recovery"}: what ended
//                      the attempt before this one,
//    "avoidInstances": [containerInstanceArn]: where a restart goes only if
//                      nothing else fits,
//    "events": [{"id": 1, 2, ..., "at", "status", "action", "message"}]}
//                      the last kMaxJobEvents moves, oldest first.
// Not shown: "gpuBaseline" (each GPU's changedAt as the attempt began) and
// "notified" (by webhook URL, the last event it took: job_notifier.h).
#include <cstddef>
#include <string_view>

namespace gantry::ecs {

inline constexpr std::string_view kRecoveryTag = "gantry:recovery";
inline constexpr std::string_view kRecoveryTagJob = "job";
inline constexpr std::string_view kMaxAttemptsTag = "gantry:max-attempts";
inline constexpr int kDefaultMaxAttempts = 3;  // the first attempt included
inline constexpr int kMaxMaxAttempts = 100;
inline constexpr size_t kMaxJobEvents = 100;
// The member that records, by webhook URL, the last event id each took
// (controllers/job_notifier.h): shown by neither DescribeJobs nor the
// notifications.
inline constexpr std::string_view kJobNotifiedMember = "notified";

// The job's states.
inline constexpr std::string_view kJobRunning = "RUNNING";
inline constexpr std::string_view kJobStopping = "STOPPING";        // its siblings
inline constexpr std::string_view kJobDiagnosing = "DIAGNOSING";    // a GPU diagnostic runs
inline constexpr std::string_view kJobRecovering = "RECOVERING";    // the node's recovery runs
inline constexpr std::string_view kJobRestarting = "RESTARTING";    // waiting for room to launch
inline constexpr std::string_view kJobSucceeded = "SUCCEEDED";
inline constexpr std::string_view kJobFailed = "FAILED";
inline constexpr std::string_view kJobStoppedByUser = "STOPPED_BY_USER";

inline bool job_finished(std::string_view status) {
  return status == kJobSucceeded || status == kJobFailed || status == kJobStoppedByUser;
}

// What a fault was.
inline constexpr std::string_view kFaultGpuHardware = "GPU_HARDWARE";
inline constexpr std::string_view kFaultGpuApplication = "GPU_APPLICATION";
inline constexpr std::string_view kFaultTaskFailed = "TASK_FAILED";
inline constexpr std::string_view kFaultUserStopped = "USER_STOPPED";

}  // namespace gantry::ecs
