#include "session/live_source.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

namespace sipws {

bool drop_privileges(const std::string& user, std::string& error) {
  if (geteuid() != 0 || user.empty() || user == "root") return true;
  const passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) {
    error = "no user '" + user + "' to drop privileges to (use --user)";
    return false;
  }
  if (setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
    error = "could not drop privileges to '" + user + "'";
    return false;
  }
  return true;
}

std::unique_ptr<LiveCapture> open_live_capture(const LiveOptions& options, const std::string& user,
                                               std::string& error) {
  auto live = LiveCapture::open(options, error);
  if (live && !drop_privileges(user, error)) live.reset();
  return live;
}

}  // namespace sipws
