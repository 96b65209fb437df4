#include "sweep/walk.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace caduceus::sweep {
namespace {

constexpr std::size_t kMaxPatternBytes = 1024;
constexpr int kMaxStars = 32;

enum class Wild { kMatch, kNoMatch, kAbortAll, kAbortToStarStar };

// A bracket expression at p[0] == '['; sets `end` to the index after its ']' and returns whether
// c is in it. False with end == 0 when the expression does not close.
bool InClass(std::string_view p, char c, std::size_t& end) {
  std::size_t i = 1;
  bool negate = false;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) {
    negate = true;
    ++i;
  }
  bool found = false;
  bool first = true;
  while (i < p.size() && (p[i] != ']' || first)) {
    first = false;
    char low = p[i];
    if (low == '\\' && i + 1 < p.size()) low = p[++i];
    char high = low;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      high = p[i + 2];
      if (high == '\\' && i + 3 < p.size()) high = p[++i + 2];
      i += 2;
    }
    if (c >= low && c <= high) found = true;
    ++i;
  }
  if (i >= p.size()) {
    end = 0;
    return false;
  }
  end = i + 1;
  return found != negate;
}

// git's wildmatch algorithm: the abort results cut the search so that it stays polynomial.
Wild DoWild(std::string_view p, std::string_view t) {
  std::size_t pi = 0;
  std::size_t ti = 0;
  for (; pi < p.size(); ++pi, ++ti) {
    const char pc = p[pi];
    if (ti >= t.size() && pc != '*') return Wild::kAbortAll;
    switch (pc) {
      case '?':
        if (t[ti] == '/') return Wild::kNoMatch;
        break;
      case '*': {
        const std::size_t star = pi;
        bool doublestar = false;
        while (pi + 1 < p.size() && p[pi + 1] == '*') {
          doublestar = true;
          ++pi;
        }
        if (doublestar && pi + 1 < p.size() && p[pi + 1] == '/' &&
            (star == 0 || p[star - 1] == '/')) {
          // "**/" also matches no directory at all.
          if (DoWild(p.substr(pi + 2), t.substr(ti)) == Wild::kMatch) return Wild::kMatch;
        }
        ++pi;
        if (pi == p.size()) {
          if (!doublestar && t.substr(ti).find('/') != std::string_view::npos) {
            return Wild::kNoMatch;
          }
          return Wild::kMatch;
        }
        for (;; ++ti) {
          const Wild r = DoWild(p.substr(pi), t.substr(ti));
          if (r != Wild::kNoMatch) {
            if (!doublestar || r != Wild::kAbortToStarStar) return r;
          } else if (!doublestar && ti < t.size() && t[ti] == '/') {
            return Wild::kAbortToStarStar;
          }
          if (ti >= t.size()) break;
        }
        return Wild::kAbortAll;
      }
      case '[': {
        std::size_t end = 0;
        const bool in = InClass(p.substr(pi), t[ti], end);
        if (end == 0) {
          if (t[ti] != '[') return Wild::kNoMatch;
          break;
        }
        if (!in || t[ti] == '/') return Wild::kNoMatch;
        pi += end - 1;
        break;
      }
      case '\\':
        if (pi + 1 < p.size()) ++pi;
        if (p[pi] != t[ti]) return Wild::kNoMatch;
        break;
      default:
        if (pc != t[ti]) return Wild::kNoMatch;
        break;
    }
  }
  return ti == t.size() ? Wild::kMatch : Wild::kNoMatch;
}

bool MatchesAny(const std::vector<std::string>& patterns,
                std::string_view name,
                std::string_view relative) {
  for (const std::string& pattern : patterns) {
    const bool has_slash = pattern.find('/') != std::string::npos;
    if (GlobMatch(pattern, has_slash ? relative : name)) return true;
  }
  return false;
}

struct FdCloser {
  void operator()(const int* fd) const {
    if (*fd >= 0) ::close(*fd);
    delete fd;
  }
};
using Fd = std::unique_ptr<int, FdCloser>;
Fd MakeFd(int fd) { return Fd(new int(fd)); }

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

bool Inside(const std::string& path, const std::string& root) {
  if (path == root) return true;
  if (root == "/") return !path.empty() && path.front() == '/';
  return path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
         path[root.size()] == '/';
}

class Walker {
 public:
  Walker(const WalkOptions& options,
         const std::function<void(const WalkFile&)>& on_file,
         const std::function<void(const WalkSkip&)>& on_skip)
      : options_(options), on_file_(on_file), on_skip_(on_skip) {}

  void AddRoot(std::string canonical) { roots_.push_back(std::move(canonical)); }

  void Skip(const std::filesystem::path& path, WalkSkip::Reason reason, std::string message = {}) {
    if (on_skip_) on_skip_(WalkSkip{path, reason, std::move(message)});
  }

  void File(const std::filesystem::path& path, const struct stat& st, bool via_symlink) {
    if (options_.follow_symlinks && !seen_.insert({st.st_dev, st.st_ino}).second) return;
    if (on_file_) on_file_(WalkFile{path, static_cast<std::uint64_t>(st.st_size), via_symlink});
  }

  // Lists the directory open at `dir` (which the walker owns).
  void Directory(Fd dir,
                 const std::filesystem::path& path,
                 const std::string& relative,
                 int depth) {
    struct stat self {};
    if (::fstat(*dir, &self) == 0 && !seen_dirs_.insert({self.st_dev, self.st_ino}).second) {
      return;  // reached twice through links
    }
    const int listing = ::dup(*dir);
    if (listing < 0) {
      Skip(path, WalkSkip::Reason::kUnreadable, std::strerror(errno));
      return;
    }
    std::unique_ptr<DIR, DirCloser> d(::fdopendir(listing));
    if (!d) {
      ::close(listing);
      Skip(path, WalkSkip::Reason::kUnreadable, std::strerror(errno));
      return;
    }
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d.get())) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      Entry(*dir, path / name, name, relative.empty() ? name : relative + "/" + name, depth);
    }
  }

 private:
  void Entry(int dir,
             const std::filesystem::path& path,
             const std::string& name,
             const std::string& relative,
             int depth) {
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      Skip(path, WalkSkip::Reason::kUnreadable, std::strerror(errno));
      return;
    }
    bool via_symlink = false;
    if (S_ISLNK(st.st_mode)) {
      if (!options_.follow_symlinks) {
        Skip(path, WalkSkip::Reason::kSymlink);
        return;
      }
      char* resolved = ::realpath(path.c_str(), nullptr);
      if (resolved == nullptr) {
        Skip(path, WalkSkip::Reason::kUnreadable, std::strerror(errno));
        return;
      }
      const std::string target = resolved;
      std::free(resolved);
      const bool inside = std::any_of(roots_.begin(), roots_.end(),
                                      [&](const std::string& r) { return Inside(target, r); });
      if (!inside) {
        Skip(path, WalkSkip::Reason::kOutsideRoots, target);
        return;
      }
      if (::stat(target.c_str(), &st) != 0) {
        Skip(path, WalkSkip::Reason::kUnreadable, std::strerror(errno));
        return;
      }
      via_symlink = true;
    }
    if (MatchesAny(options_.exclude, name, relative)) return;
    if (S_ISDIR(st.st_mode)) {
      if (depth + 1 > options_.max_depth) {
        Skip(path, WalkSkip::Reason::kTooDeep);
        return;
      }
      const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (via_symlink ? 0 : O_NOFOLLOW);
      const int fd = via_symlink ? ::open(path.c_str(), flags) : ::openat(dir, name.c_str(), flags);
      if (fd < 0) {
        Skip(path, WalkSkip::Reason::kUnreadable, std::strerror(errno));
        return;
      }
      Directory(MakeFd(fd), path, relative, depth + 1);
      return;
    }
    if (!S_ISREG(st.st_mode)) {
      Skip(path, WalkSkip::Reason::kSpecial);
      return;
    }
    if (!options_.include.empty() && !MatchesAny(options_.include, name, relative)) return;
    File(path, st, via_symlink);
  }

  const WalkOptions& options_;
  const std::function<void(const WalkFile&)>& on_file_;
  const std::function<void(const WalkSkip&)>& on_skip_;
  std::vector<std::string> roots_;
  std::set<std::pair<dev_t, ino_t>> seen_;
  std::set<std::pair<dev_t, ino_t>> seen_dirs_;
};

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  if (pattern.size() > kMaxPatternBytes ||
      std::count(pattern.begin(), pattern.end(), '*') > kMaxStars) {
    return false;
  }
  return DoWild(pattern, text) == Wild::kMatch;
}

std::string_view SkipReasonName(WalkSkip::Reason reason) {
  switch (reason) {
    case WalkSkip::Reason::kSymlink:
      return "symlink";
    case WalkSkip::Reason::kOutsideRoots:
      return "outside-roots";
    case WalkSkip::Reason::kSpecial:
      return "special";
    case WalkSkip::Reason::kTooDeep:
      return "too-deep";
    case WalkSkip::Reason::kUnreadable:
      return "unreadable";
  }
  return "special";
}

Status Walk(const std::vector<std::filesystem::path>& roots,
            const WalkOptions& options,
            const std::function<void(const WalkFile&)>& on_file,
            const std::function<void(const WalkSkip&)>& on_skip) {
  Walker walker(options, on_file, on_skip);
  for (const auto& root : roots) {
    char* resolved = ::realpath(root.c_str(), nullptr);
    if (resolved == nullptr) {
      const int err = errno;
      if (err == ENOENT || err == ENOTDIR) {
        return Error::NotFound(fmt::format("{}: not found", root.string()));
      }
      return Error::Invalid(fmt::format("{}: {}", root.string(), std::strerror(err)));
    }
    walker.AddRoot(resolved);
    std::free(resolved);
  }
  for (const auto& root : roots) {
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0) {
      return Error::NotFound(fmt::format("{}: {}", root.string(), std::strerror(errno)));
    }
    if (S_ISREG(st.st_mode)) {
      walker.File(root, st, false);
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      walker.Skip(root, WalkSkip::Reason::kSpecial);
      continue;
    }
    const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      return Error::Denied(fmt::format("{}: {}", root.string(), std::strerror(errno)));
    }
    walker.Directory(MakeFd(fd), root, {}, 0);
  }
  return {};
}

}  // namespace caduceus::sweep
