#include "sweep/lines.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace caduceus::sweep {
namespace {

constexpr std::size_t kMaxLineCap = std::size_t{64} << 20;
constexpr std::size_t kMaxBlockCap = std::size_t{256} << 20;

}  // namespace

LineReader::LineReader(std::unique_ptr<ByteSource> source, LineReaderOptions options)
    : source_(std::move(source)), options_(options) {
  options_.block_size = std::clamp<std::size_t>(options_.block_size, 1, kMaxBlockCap);
  options_.max_line = std::clamp<std::size_t>(options_.max_line, 1, kMaxLineCap);
  buffer_.resize(options_.block_size + options_.max_line);
}

Status LineReader::Fill() {
  if (begin_ > 0) {
    const std::size_t size = end_ - begin_;
    if (size > 0) std::memmove(buffer_.data(), buffer_.data() + begin_, size);
    base_ += begin_;
    scan_ -= begin_;
    end_ = size;
    begin_ = 0;
  }
  const std::size_t space = std::min(buffer_.size() - end_, options_.block_size);
  if (space == 0) return {};
  auto n = source_->Read(buffer_.data() + end_, space);
  if (!n) return n.error();
  if (*n == 0) eof_ = true;
  end_ += *n;
  return {};
}

Result<std::string_view> LineReader::Head(std::size_t bytes) {
  bytes = std::min(bytes, buffer_.size());
  while (end_ - begin_ < bytes && !eof_) {
    if (auto s = Fill(); !s) return s.error();
    if (end_ - begin_ < bytes && end_ == buffer_.size() && begin_ == 0) break;
  }
  if (!started_) {
    started_ = true;
    if (end_ - begin_ >= 3 && std::memcmp(buffer_.data() + begin_, "\xEF\xBB\xBF", 3) == 0) {
      begin_ += 3;
      scan_ = std::max(scan_, begin_);
    }
  }
  return std::string_view(buffer_.data() + begin_, std::min(bytes, end_ - begin_));
}

Result<std::string_view> LineReader::TakeLines(std::size_t max_bytes) {
  if (!started_ || in_long_line_) return std::string_view{};
  max_bytes = std::min(max_bytes, options_.max_line);
  if (end_ - begin_ < max_bytes && !eof_) {
    if (auto s = Fill(); !s) return s.error();
  }
  const std::size_t size = std::min(max_bytes, end_ - begin_);
  const char* data = buffer_.data() + begin_;
  const void* last = memrchr(data, '\n', size);
  if (last == nullptr) return std::string_view{};
  const auto taken = static_cast<std::size_t>(static_cast<const char*>(last) - data) + 1;
  const std::string_view lines(data, taken);
  begin_ += taken;
  scan_ = std::max(scan_, begin_);
  return lines;
}

Result<bool> LineReader::Next(Line& line) {
  if (!started_) {
    if (auto head = Head(3); !head) return head.error();
  }
  while (true) {
    const char* data = buffer_.data();
    const void* found = scan_ < end_ ? std::memchr(data + scan_, '\n', end_ - scan_) : nullptr;
    std::size_t stop = 0;
    std::size_t next = 0;
    bool ends_line = true;
    if (found != nullptr) {
      stop = static_cast<std::size_t>(static_cast<const char*>(found) - data);
      next = stop + 1;
      if (stop - begin_ > options_.max_line) {
        stop = next = begin_ + options_.max_line;
        ends_line = false;
        scan_ = next;
      }
    } else {
      scan_ = end_;
      if (eof_ && end_ - begin_ <= options_.max_line) {
        if (end_ == begin_) return false;
        stop = next = end_;
      } else if (end_ - begin_ > options_.max_line) {
        stop = next = begin_ + options_.max_line;
        ends_line = false;
      } else {
        if (auto s = Fill(); !s) return s.error();
        continue;
      }
    }
    std::size_t text_end = stop;
    if (ends_line && text_end > begin_ && data[text_end - 1] == '\r') --text_end;
    if (!in_long_line_) ++number_;
    line.text = std::string_view(data + begin_, text_end - begin_);
    line.number = number_;
    line.offset = base_ + begin_;
    line.continued = in_long_line_;
    line.partial = !ends_line;
    in_long_line_ = !ends_line;
    begin_ = next;
    scan_ = std::max(scan_, begin_);
    return true;
  }
}

}  // namespace caduceus::sweep
