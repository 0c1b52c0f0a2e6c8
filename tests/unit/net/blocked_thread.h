#pragma once
// Waits until a thread of this process is asleep in the call that waits for
// socket events (epoll or poll: where a blocking Asio io_context waits for a
// read), as Linux shows it in /proc/self/task/<tid>/syscall. A test uses it
// to act on a client known to be blocked in its read, rather than sleeping
// and hoping it got there.
#include <sys/syscall.h>
#include <sys/types.h>

#include <chrono>
#include <fstream>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <thread>

#include "poll_until.h"

namespace gantry::net::testing {

// The number of the system call `tid` is blocked in; -1 while it runs.
inline long blocked_syscall(pid_t tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/syscall");
  std::string first;
  if (!(in >> first) || first == "running") return -1;
  try {
    return std::stol(first);
  } catch (const std::exception&) {
    return -1;
  }
}

inline bool is_waiting_for_events(long syscall_number) {
  for (long waiting : {
#ifdef SYS_epoll_wait
           static_cast<long>(SYS_epoll_wait),
#endif
#ifdef SYS_poll
           static_cast<long>(SYS_poll),
#endif
#ifdef SYS_epoll_pwait2
           static_cast<long>(SYS_epoll_pwait2),
#endif
           static_cast<long>(SYS_epoll_pwait), static_cast<long>(SYS_ppoll)}) {
    if (syscall_number == waiting) return true;
  }
  return false;
}

// True once `tid` waits for socket events; false if it does not within `limit`.
inline bool wait_until_blocked(pid_t tid,
                               std::chrono::milliseconds limit = std::chrono::seconds(2)) {
  return gantry::testing::poll_until([&] { return is_waiting_for_events(blocked_syscall(tid)); },
                                     limit);
}

}  // namespace gantry::net::testing
