#pragma once
// `gantry jobs`: the multi-node jobs that recover by themselves.
//   gantry jobs [--cluster C] [--status S]   a line per job
//   gantry jobs describe JOB [--cluster C]   the job whole (DescribeJobs' JSON)
//   gantry jobs stop JOB [--reason R]        StopJob: its tasks stop, nothing restarts it
#include <boost/json.hpp>
#include <string>

#include "cli/client_options.h"

namespace CLI {
class App;
}

namespace gantry::cli {

struct JobsCommandOptions {
  ClientOptions client;
  std::string cluster = "default";
  std::string status;  // empty: every job
  std::string job;     // describe's and stop's
  std::string reason;  // stop's; empty: StopJob's default
};

CLI::App* add_jobs_command(CLI::App& app, JobsCommandOptions& options);
int run_jobs(const CLI::App& command, const JobsCommandOptions& options);

// The table for a DescribeJobs answer: JOB (its id), STATUS, ATTEMPT (k/N),
// TASKS (running / all) and REASON.
std::string jobs_table(const boost::json::object& answer);

}  // namespace gantry::cli
