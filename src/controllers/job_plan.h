#pragma once
// The job controller's decision for one job: a pure function of the job's
// facts and the time, table-tested in tests/unit/controllers/job_plan_test.cc.
//
//   RUNNING ─ a task stopped by the user ─────────────► STOPPING ─► STOPPED_BY_USER
//     │  ─ a GPU of its tasks UNHEALTHY (hardware XID, lost, ...) ─► STOPPING ─► RECOVERING
//     │  ─ an application XID on one of its GPUs ──────► STOPPING ─► RESTARTING
//     │  ─ a task failed (non-zero exit, failed start) ─► STOPPING ─► DIAGNOSING
//     └─ every task exited 0 ──────────────────────────► SUCCEEDED
//   DIAGNOSING (after a task failure): healthy ─► RESTARTING (an application failure)
//                                      unhealthy ─► RECOVERING
//   RECOVERING ─► DIAGNOSING (after the recovery) ─► RESTARTING (healthy: the GPUs serve
//                 again; unhealthy: they stay out until an operator returns them)
//   RESTARTING ─► RUNNING, attempt k+1 (when the tasks fit) | FAILED after the last attempt
#include <optional>
#include <string>
#include <vector>

#include "controllers/job_facts.h"

namespace gantry::controllers {

enum class JobAction {
  kNone,      // nothing until something changes (or wake_at)
  kStop,      // stop every task still running; record the fault
  kDiagnose,  // ask the instance's agent to diagnose `gpus`
  kRecover,   // ask the instance's agent to recover `gpus`
  kRestart,   // launch attempt k+1
  kFinish,    // the job ends in `status`
};

struct JobStep {
  JobAction action = JobAction::kNone;
  std::string status;        // kFinish: SUCCEEDED | FAILED | STOPPED_BY_USER
  std::string event_action;  // what the notification says was done
  std::string message;       // the job's new statusReason, and the event's message
  boost::json::object fault;  // kStop: what happened
  std::string stop_reason;    // kStop: the tasks' stoppedReason
  std::string instance_id;    // kDiagnose, kRecover
  std::vector<std::string> gpus;
  bool avoid_instance = false;  // restarts go elsewhere when they fit
  bool after_recovery = false;  // kDiagnose
  // The diagnostic task found `gpus` on `instance_id` unhealthy: hold them
  // out of service (an agent holds those its own diagnostic failed).
  bool hold_out = false;
  std::optional<core::SystemTime> wake_at;  // kNone: when time alone changes the answer
};

// How long an agent has to answer a diagnostic or a recovery: its own
// limit on the operator's command (10 minutes by default) and a margin.
inline constexpr std::chrono::minutes kGpuRequestTimeout{11};

JobStep plan_job(const JobFacts& facts, core::SystemTime now);

}  // namespace gantry::controllers
