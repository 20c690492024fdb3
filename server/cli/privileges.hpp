#pragma once

#include <filesystem>
#include <string>

namespace xcp::cli {

// `serve --user NAME`, outside systemd: once every socket is bound, the
// process becomes NAME (its uid, gid and groups) and keeps no capability (the
// sockets it needed them for are open; transfers use unprivileged ports). The
// state directory and its files are given to NAME first, so that it can still
// write the inventory. Throws std::runtime_error as one sentence.
void drop_privileges(const std::string& user, const std::filesystem::path& state_dir);

}  // namespace xcp::cli
