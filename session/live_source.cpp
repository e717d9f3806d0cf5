#include "session/live_source.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

namespace sipws {

Result<void> drop_privileges(const std::string& user) {
  if (geteuid() != 0 || user.empty() || user == "root") return {};
  const passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) return Failure{"no user '" + user + "' to drop privileges to (use --user)"};
  if (setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
    return Failure{"could not drop privileges to '" + user + "'"};
  }
  return {};
}

Result<std::unique_ptr<LiveCapture>> open_live_capture(const LiveOptions& options,
                                                       const std::string& user) {
  std::string error;
  auto live = LiveCapture::open(options, error);
  if (!live) return Failure{error};
  if (const auto dropped = drop_privileges(user); !dropped) return Failure{dropped.error()};
  return live;
}

}  // namespace sipws
