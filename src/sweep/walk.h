// The files to sweep: roots (files or directories) walked recursively with include and exclude
// globs, never leaving the roots through a symbolic link, skipping special files.
//
// Globs: a pattern without '/' is matched against a name (the file's or directory's own), a
// pattern with '/' against the path relative to its root ("squid/*.log"). `*` matches any run of
// characters but '/', `?` one character but '/', `[a-z]` / `[!a-z]` a class, and `**` any run
// including '/' ("**/x" also matches "x"). Exclude patterns prune directories and drop files;
// include patterns, when there are any, keep only the files that match one.
//
// Thread-compatible: Walk keeps no state between calls.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace caduceus::sweep {

// Whether `text` matches the glob `pattern` (the syntax above; no special meaning for a leading
// '/'). Linear backtracking: polynomial in the sizes whatever the pattern.
bool GlobMatch(std::string_view pattern, std::string_view text);

struct WalkOptions {
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  // Follow symbolic links found under a root when their target lies inside one of the roots
  // (each file and directory is still visited once). Off: every link is skipped.
  bool follow_symlinks = false;
  int max_depth = 64;  // directories below a root
};

struct WalkFile {
  std::filesystem::path path;  // the root joined with the relative path
  std::uint64_t size = 0;
  bool via_symlink = false;  // reached through a link (open it following links)
};

struct WalkSkip {
  enum class Reason {
    kSymlink,       // a link, and links are not followed
    kOutsideRoots,  // a link whose target lies outside the roots
    kSpecial,       // a FIFO, socket or device
    kTooDeep,       // below max_depth
    kUnreadable,    // could not be listed, stat'ed or opened (the message says why)
  };
  std::filesystem::path path;
  Reason reason = Reason::kSpecial;
  std::string message;
};

// "symlink", "outside-roots", "special", "too-deep", "unreadable".
std::string_view SkipReasonName(WalkSkip::Reason reason);

// Calls `on_file` for each file to sweep and `on_skip` for each entry left out for a reason
// other than the globs, in a stable order (names sorted byte-wise, depth first). A root that is
// a file is taken as it is (globs do not apply to it; a root that is a link is followed). Fails
// only when a root does not exist or cannot be read; problems below a root are skips.
Status Walk(const std::vector<std::filesystem::path>& roots,
            const WalkOptions& options,
            const std::function<void(const WalkFile&)>& on_file,
            const std::function<void(const WalkSkip&)>& on_skip);

}  // namespace caduceus::sweep
