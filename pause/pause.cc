// gantry-pause: the process that holds an awsvpc task's network namespace
// (the role of Kubernetes' and ECS's pause containers). It sleeps until
// told to stop. Built static, so its image needs nothing but this binary.
#include <csignal>
#include <unistd.h>

namespace {
void leave(int) { _exit(0); }
}  // namespace

int main() {
  std::signal(SIGTERM, leave);
  std::signal(SIGINT, leave);
  for (;;) pause();
}
