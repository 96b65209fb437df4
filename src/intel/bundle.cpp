#include "intel/bundle.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <fmt/format.h>

namespace caduceus::intel {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxCapturedId = 300;

// Builds one JSON value from parser events into a boost::json::value_stack, enforcing the
// object limits and refusing repeated keys. After the first failure it only follows the
// structure, so that the caller learns where the failed value ends.
class Builder {
 public:
  explicit Builder(const BundleLimits& limits) : limits_(limits) {}

  void Start() {
    stack_.reset();
    frames_.clear();
    key_count_ = 0;
    key_text_.clear();
    bytes_ = 0;
    error_.reset();
    complete_ = false;
    in_string_ = false;
    in_number_ = false;
    root_key_ = RootKey::kOther;
    capturing_ = false;
    capture_.clear();
    capture_overflow_ = false;
    id_.reset();
    type_.reset();
  }

  void ObjectBegin() {
    BeginValue(true);
    frames_.push_back({true, key_count_, 0, 0});
    if (frames_.size() > limits_.max_object_depth) {
      Fail(fmt::format("is nested deeper than {} levels", limits_.max_object_depth),
           frames_.size() - 1);
    }
  }

  void ObjectEnd() {
    const Frame frame = frames_.back();
    if (!error_) {
      if (const auto duplicate = FindDuplicate(frame.keys_begin)) {
        std::string pointer = Pointer(frames_.size() - 1);
        AppendSegment(pointer, KeyAt(*duplicate));
        error_ = Error::Invalid("repeats a property", std::move(pointer));
      } else {
        stack_.push_object(frame.count);
      }
    }
    if (frame.keys_begin < key_count_) key_text_.resize(keys_[frame.keys_begin].offset);
    key_count_ = frame.keys_begin;
    frames_.pop_back();
    EndValue();
  }

  void ArrayBegin() {
    BeginValue(false);
    frames_.push_back({false, key_count_, 0, 0});
    if (frames_.size() > limits_.max_object_depth) {
      Fail(fmt::format("is nested deeper than {} levels", limits_.max_object_depth),
           frames_.size() - 1);
    }
  }

  void ArrayEnd() {
    if (!error_) stack_.push_array(frames_.back().count);
    frames_.pop_back();
    EndValue();
  }

  // `key` is complete; its bytes were counted with Account as its parts arrived.
  void Key(std::string_view key) {
    Account(2);
    if (frames_.size() == 1) {
      root_key_ = key == "id" ? RootKey::kId : key == "type" ? RootKey::kType : RootKey::kOther;
    }
    if (error_) return;
    if (key_count_ == keys_.size()) keys_.emplace_back();
    keys_[key_count_] = {key_text_.size(), key.size()};
    key_text_.append(key);
    frames_.back().last_key = key_count_++;
    stack_.push_key(key);
  }

  // Parts of a string value; the last one comes through String.
  void StringPart(std::string_view part) {
    BeginString();
    Account(part.size());
    Capture(part);
    if (!error_) stack_.push_chars(part);
  }

  void String(std::string_view last) {
    BeginString();
    Account(last.size());
    Capture(last);
    if (capturing_) {
      std::optional<std::string>& target = root_key_ == RootKey::kId ? id_ : type_;
      target = capture_overflow_ ? std::string() : capture_;
      capturing_ = false;
    }
    in_string_ = false;
    if (!error_) stack_.push_string(last);
    EndValue();
  }

  void NumberPart(std::string_view part) {
    BeginNumber();
    Account(part.size());
  }

  template <class T>
  void Number(T value, std::string_view last) {
    BeginNumber();
    Account(last.size());
    in_number_ = false;
    if (!error_) {
      if constexpr (std::is_same_v<T, std::int64_t>) {
        stack_.push_int64(value);
      } else if constexpr (std::is_same_v<T, std::uint64_t>) {
        stack_.push_uint64(value);
      } else {
        stack_.push_double(value);
      }
    }
    EndValue();
  }

  void Bool(bool value) {
    BeginValue(false);
    Account(5);
    if (!error_) stack_.push_bool(value);
    EndValue();
  }

  void Null() {
    BeginValue(false);
    Account(4);
    if (!error_) stack_.push_null();
    EndValue();
  }

  // Counts `bytes` of the value against max_object_bytes.
  void Account(std::size_t bytes) {
    bytes_ += bytes;
    if (bytes_ > limits_.max_object_bytes && !error_) {
      Fail(fmt::format("is larger than {} bytes", limits_.max_object_bytes), frames_.size());
    }
  }

  // Marks the value failed with a message and no pointer of its own.
  void FailWhole(std::string message) {
    if (!error_) error_ = Error::Invalid(std::move(message));
  }

  bool complete() const { return complete_; }
  const std::optional<Error>& error() const { return error_; }
  // The root object's "id" and "type" strings, as far as read ("" if longer than 300 bytes).
  const std::optional<std::string>& id() const { return id_; }
  const std::optional<std::string>& type() const { return type_; }

  // The built object; only when complete() and no error().
  json::object TakeObject() {
    json::value value = stack_.release();
    return std::move(value.get_object());
  }

 private:
  enum class RootKey { kOther, kId, kType };

  struct KeySpan {
    std::size_t offset;
    std::size_t size;
  };

  std::string_view KeyAt(std::size_t i) const {
    return std::string_view(key_text_).substr(keys_[i].offset, keys_[i].size);
  }

  struct Frame {
    bool is_object;
    std::size_t keys_begin;  // this object's keys are keys_[keys_begin, key_count_)
    std::size_t count;       // members or elements completed so far
    std::size_t last_key;    // index in keys_ of the current member's key
  };

  void BeginValue(bool is_object) {
    if (frames_.empty() && !is_object) FailWhole("must be a JSON object");
    Account(frames_.empty() || frames_.back().count == 0 ? 1 : 2);
  }

  void BeginString() {
    if (in_string_) return;
    in_string_ = true;
    BeginValue(false);
    capturing_ = frames_.size() == 1 && frames_.back().is_object && root_key_ != RootKey::kOther;
    capture_.clear();
    capture_overflow_ = false;
  }

  void BeginNumber() {
    if (in_number_) return;
    in_number_ = true;
    BeginValue(false);
  }

  void EndValue() {
    capturing_ = false;
    if (frames_.empty()) {
      complete_ = true;
      return;
    }
    ++frames_.back().count;
  }

  void Capture(std::string_view part) {
    if (!capturing_ || capture_overflow_) return;
    if (capture_.size() + part.size() > kMaxCapturedId) {
      capture_overflow_ = true;
      return;
    }
    capture_.append(part);
  }

  void Fail(std::string message, std::size_t levels) {
    if (!error_) error_ = Error::Invalid(std::move(message), Pointer(levels));
  }

  static void AppendSegment(std::string& pointer, std::string_view key) {
    pointer.push_back('/');
    for (const char c : key.substr(0, 250)) {
      if (c == '~') {
        pointer += "~0";
      } else if (c == '/') {
        pointer += "~1";
      } else {
        pointer.push_back(c);
      }
    }
  }

  // The JSON pointer of the current position within the first `levels` frames.
  std::string Pointer(std::size_t levels) const {
    std::string pointer;
    for (std::size_t i = 0; i < levels && i < frames_.size(); ++i) {
      const Frame& frame = frames_[i];
      if (!frame.is_object) {
        pointer += fmt::format("/{}", frame.count);
      } else if (frame.last_key < key_count_ && frame.last_key >= frame.keys_begin) {
        AppendSegment(pointer, KeyAt(frame.last_key));
      }
    }
    return pointer;
  }

  // The index in keys_ of a key that repeats an earlier one of the object, if any.
  std::optional<std::size_t> FindDuplicate(std::size_t begin) {
    const std::size_t count = key_count_ - begin;
    if (count < 2) return std::nullopt;
    if (count <= 16) {
      for (std::size_t i = begin + 1; i < key_count_; ++i) {
        for (std::size_t j = begin; j < i; ++j) {
          if (KeyAt(i) == KeyAt(j)) return i;
        }
      }
      return std::nullopt;
    }
    order_.clear();
    for (std::size_t i = begin; i < key_count_; ++i) order_.push_back(i);
    std::sort(order_.begin(), order_.end(),
              [this](std::size_t a, std::size_t b) { return KeyAt(a) < KeyAt(b); });
    for (std::size_t i = 1; i < order_.size(); ++i) {
      if (KeyAt(order_[i]) == KeyAt(order_[i - 1])) return std::max(order_[i], order_[i - 1]);
    }
    return std::nullopt;
  }

  const BundleLimits& limits_;
  json::value_stack stack_;
  std::vector<Frame> frames_;
  // The keys of the open objects, innermost last: keys_[0, key_count_) locate them in key_text_.
  std::vector<KeySpan> keys_;
  std::size_t key_count_ = 0;
  std::string key_text_;
  std::vector<std::size_t> order_;
  std::size_t bytes_ = 0;
  std::optional<Error> error_;
  bool complete_ = false;
  bool in_string_ = false;
  bool in_number_ = false;
  RootKey root_key_ = RootKey::kOther;
  bool capturing_ = false;
  std::string capture_;
  bool capture_overflow_ = false;
  std::optional<std::string> id_;
  std::optional<std::string> type_;
};

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

class BundleReader::Impl {
 public:
  Impl(AcceptFn on_accept, RejectFn on_reject, BundleLimits limits)
      : on_accept_(std::move(on_accept)),
        on_reject_(std::move(on_reject)),
        limits_(limits),
        top_(limits_),
        element_(limits_),
        parser_(Options(limits_), this) {}

  Status Write(std::string_view chunk) {
    if (error_) return *error_;
    if (parser_.done()) return CheckTrailing(chunk);
    boost::system::error_code ec;
    std::size_t consumed = 0;
    try {
      consumed = parser_.write_some(true, chunk.data(), chunk.size(), ec);
    } catch (...) {
      Abort();
      throw;
    }
    offset_ += consumed;
    if (ec) return JsonFailure(ec);
    if (consumed < chunk.size()) return CheckTrailing(chunk.substr(consumed));
    return {};
  }

  Result<BundleSummary> Finish() {
    if (error_) return *error_;
    if (!parser_.done()) {
      boost::system::error_code ec;
      try {
        parser_.write_some(false, "", 0, ec);
      } catch (...) {
        Abort();
        throw;
      }
      if (ec) return JsonFailure(ec).error();
    }
    try {
      if (!objects_seen_) FinishWithoutObjects();
    } catch (...) {
      Abort();
      throw;
    }
    if (error_) return *error_;
    error_ = Error::Invalid("the input was already read to its end");
    return summary_;
  }

  // --- Parser events (see the Handler below) ----------------------------------------------------

  bool ObjectBegin() {
    switch (state_) {
      case State::kStart:
        state_ = State::kTop;
        top_.Start();
        top_.ObjectBegin();
        break;
      case State::kTop:
        FlushPendingKey();
        top_.ObjectBegin();
        break;
      case State::kObjects:
        StartElement();
        element_.ObjectBegin();
        break;
      case State::kElement:
        element_.ObjectBegin();
        break;
      case State::kEnd:
        break;
    }
    ++depth_;
    return true;
  }

  bool ObjectEnd() {
    --depth_;
    if (state_ == State::kElement) {
      element_.ObjectEnd();
      MaybeDeliver();
      return true;
    }
    top_.ObjectEnd();
    if (depth_ > 0) return true;
    state_ = State::kEnd;
    return !objects_seen_ || CheckEnvelope(true);
  }

  bool ArrayBegin() {
    switch (state_) {
      case State::kStart:
        return NotAnObject();
      case State::kTop:
        if (pending_objects_key_) {
          pending_objects_key_ = false;
          if (!BeginObjects()) return false;
        } else {
          top_.ArrayBegin();
        }
        break;
      case State::kObjects:
        StartElement();
        element_.ArrayBegin();
        break;
      case State::kElement:
        element_.ArrayBegin();
        break;
      case State::kEnd:
        break;
    }
    ++depth_;
    return true;
  }

  bool ArrayEnd() {
    --depth_;
    if (state_ == State::kObjects) {
      state_ = State::kTop;
    } else if (state_ == State::kElement) {
      element_.ArrayEnd();
      MaybeDeliver();
    } else {
      top_.ArrayEnd();
    }
    return true;
  }

  bool KeyPart(std::string_view part) {
    Active().Account(part.size());
    if (key_.size() + part.size() <= limits_.max_object_bytes) key_.append(part);
    return true;
  }

  bool Key(std::string_view last) {
    Active().Account(last.size());
    std::string_view key = last;
    if (!key_.empty()) {
      if (key_.size() + last.size() <= limits_.max_object_bytes) key_.append(last);
      key = key_;
    }
    bool ok = true;
    if (state_ == State::kTop && depth_ == 1 && key == "objects") {
      if (objects_key_seen_) {
        ok = StreamFailure("a bundle has one objects property", "/objects");
      } else {
        objects_key_seen_ = true;
        pending_objects_key_ = true;
      }
    } else {
      Active().Key(key);
    }
    key_.clear();
    return ok;
  }

  bool StringPart(std::string_view part) {
    if (state_ == State::kStart) return true;
    if (!BeginScalar()) return false;
    Active().StringPart(part);
    return true;
  }

  bool String(std::string_view last) {
    if (!BeginScalar()) return false;
    Active().String(last);
    MaybeDeliver();
    return true;
  }

  bool NumberPart(std::string_view part) {
    if (state_ == State::kStart) return true;
    if (!BeginScalar()) return false;
    Active().NumberPart(part);
    return true;
  }

  template <class T>
  bool Number(T value, std::string_view last) {
    if (!BeginScalar()) return false;
    Active().Number(value, last);
    MaybeDeliver();
    return true;
  }

  bool Bool(bool value) {
    if (!BeginScalar()) return false;
    Active().Bool(value);
    MaybeDeliver();
    return true;
  }

  bool Null() {
    if (!BeginScalar()) return false;
    Active().Null();
    MaybeDeliver();
    return true;
  }

 private:
  // The boost::json::basic_parser handler: forwards every event to the reader.
  struct Handler {
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);

    explicit Handler(Impl* reader) : impl(reader) {}

    static bool Done(bool ok, boost::system::error_code& ec) {
      if (!ok) ec = json::error::exception;
      return ok;
    }

    bool on_document_begin(boost::system::error_code&) { return true; }
    bool on_document_end(boost::system::error_code&) { return true; }
    bool on_object_begin(boost::system::error_code& ec) { return Done(impl->ObjectBegin(), ec); }
    bool on_object_end(std::size_t, boost::system::error_code& ec) {
      return Done(impl->ObjectEnd(), ec);
    }
    bool on_array_begin(boost::system::error_code& ec) { return Done(impl->ArrayBegin(), ec); }
    bool on_array_end(std::size_t, boost::system::error_code& ec) {
      return Done(impl->ArrayEnd(), ec);
    }
    bool on_key_part(json::string_view s, std::size_t, boost::system::error_code& ec) {
      return Done(impl->KeyPart(s), ec);
    }
    bool on_key(json::string_view s, std::size_t, boost::system::error_code& ec) {
      return Done(impl->Key(s), ec);
    }
    bool on_string_part(json::string_view s, std::size_t, boost::system::error_code& ec) {
      return Done(impl->StringPart(s), ec);
    }
    bool on_string(json::string_view s, std::size_t, boost::system::error_code& ec) {
      return Done(impl->String(s), ec);
    }
    bool on_number_part(json::string_view s, boost::system::error_code& ec) {
      return Done(impl->NumberPart(s), ec);
    }
    bool on_int64(std::int64_t i, json::string_view s, boost::system::error_code& ec) {
      return Done(impl->Number(i, s), ec);
    }
    bool on_uint64(std::uint64_t u, json::string_view s, boost::system::error_code& ec) {
      return Done(impl->Number(u, s), ec);
    }
    bool on_double(double d, json::string_view s, boost::system::error_code& ec) {
      return Done(impl->Number(d, s), ec);
    }
    bool on_bool(bool b, boost::system::error_code& ec) { return Done(impl->Bool(b), ec); }
    bool on_null(boost::system::error_code& ec) { return Done(impl->Null(), ec); }
    bool on_comment_part(json::string_view, boost::system::error_code&) { return true; }
    bool on_comment(json::string_view, boost::system::error_code&) { return true; }

    Impl* impl;
  };

  enum class State {
    kStart,    // nothing read yet
    kTop,      // inside the top-level object, outside "objects"
    kObjects,  // inside "objects", between elements
    kElement,  // inside an element of "objects"
    kEnd,      // the top-level object is closed
  };

  static json::parse_options Options(const BundleLimits& limits) {
    json::parse_options options;
    options.max_depth = 2 * limits.max_object_depth + 2;
    return options;
  }

  Builder& Active() { return state_ == State::kElement ? element_ : top_; }

  // Before a scalar (or a part of one): route it, starting an element when in "objects". A
  // scalar at the top level fails only once complete, so that a malformed one is reported as
  // such however the input is chunked.
  bool BeginScalar() {
    switch (state_) {
      case State::kStart:
        return NotAnObject();
      case State::kTop:
        FlushPendingKey();
        break;
      case State::kObjects:
        StartElement();
        break;
      case State::kElement:
      case State::kEnd:
        break;
    }
    return true;
  }

  void FlushPendingKey() {
    if (!pending_objects_key_) return;
    pending_objects_key_ = false;
    top_.Key("objects");
  }

  bool BeginObjects() {
    objects_seen_ = true;
    summary_.is_bundle = true;
    if (!CheckEnvelope(false)) return false;
    state_ = State::kObjects;
    return true;
  }

  void StartElement() {
    element_.Start();
    element_index_ = next_index_++;
    state_ = State::kElement;
  }

  void MaybeDeliver() {
    if (state_ != State::kElement || !element_.complete()) return;
    state_ = State::kObjects;
    Deliver(element_, element_index_);
  }

  void Deliver(Builder& builder, std::size_t index) {
    if (builder.error()) {
      Reject(index, builder.id(), *builder.error());
      return;
    }
    auto validated = ValidateStixObject(builder.TakeObject());
    if (!validated) {
      Reject(index, builder.id(), validated.error());
      return;
    }
    ++summary_.accepted;
    on_accept_(index, std::move(*validated));
  }

  void Reject(std::size_t index, const std::optional<std::string>& id, Error error) {
    ++summary_.rejected;
    const bool known = id && IsStixIdentifier(*id);
    on_reject_(RejectedObject{index, known ? *id : std::string(), std::move(error)});
  }

  // The envelope's type and id as far as read; `final` once the top-level object has closed.
  bool CheckEnvelope(bool final) {
    if (final && top_.error()) {
      const Error& error = *top_.error();
      return StreamFailure("the bundle " + error.message, error.field);
    }
    const auto& type = top_.type();
    if (type ? *type != "bundle" : final) {
      return StreamFailure(type ? "must be \"bundle\" in a bundle" : "is required", "/type");
    }
    const auto& id = top_.id();
    if (id ? !IsStixIdentifier(*id, "bundle") : final) {
      return StreamFailure(id ? "must be bundle--<UUID>" : "is required", "/id");
    }
    if (id) summary_.bundle_id = *id;
    return true;
  }

  // The top-level object had no "objects" array: an empty bundle or a single object.
  void FinishWithoutObjects() {
    const auto& type = top_.type();
    if (type && *type == "bundle") {
      summary_.is_bundle = true;
      if (!CheckEnvelope(true)) return;
      if (objects_key_seen_) StreamFailure("must be a list", "/objects");
      return;
    }
    Deliver(top_, 0);
  }

  bool NotAnObject() {
    return StreamFailure("the input must be a JSON object: a bundle or a STIX object", "");
  }

  bool StreamFailure(std::string message, std::string field) {
    if (!error_) error_ = Error::Invalid(std::move(message), std::move(field));
    return false;
  }

  Status JsonFailure(const boost::system::error_code& ec) {
    if (!error_) {
      error_ =
          Error::Invalid(fmt::format("not valid JSON at offset {}: {}", offset_ + 1, ec.message()));
    }
    return *error_;
  }

  Status CheckTrailing(std::string_view rest) {
    const auto extra = std::find_if_not(rest.begin(), rest.end(), IsJsonWhitespace);
    if (extra == rest.end()) {
      offset_ += rest.size();
      return {};
    }
    offset_ += static_cast<std::size_t>(extra - rest.begin());
    error_ = Error::Invalid(
        fmt::format("unexpected data after the JSON document at offset {}", offset_ + 1));
    return *error_;
  }

  void Abort() {
    if (!error_) error_ = Error{Errc::kInternal, "reading stopped by an exception", {}};
  }

  AcceptFn on_accept_;
  RejectFn on_reject_;
  BundleLimits limits_;
  Builder top_;
  Builder element_;
  State state_ = State::kStart;
  std::size_t depth_ = 0;
  bool pending_objects_key_ = false;
  bool objects_key_seen_ = false;
  bool objects_seen_ = false;
  std::string key_;  // a key arriving in parts
  std::size_t next_index_ = 0;
  std::size_t element_index_ = 0;
  std::size_t offset_ = 0;
  BundleSummary summary_;
  std::optional<Error> error_;
  json::basic_parser<Handler> parser_;
};

BundleReader::BundleReader(AcceptFn on_accept, RejectFn on_reject, BundleLimits limits)
    : impl_(std::make_unique<Impl>(std::move(on_accept), std::move(on_reject), limits)) {}

BundleReader::~BundleReader() = default;

Status BundleReader::Write(std::string_view chunk) { return impl_->Write(chunk); }

Result<BundleSummary> BundleReader::Finish() { return impl_->Finish(); }

Result<BundleSummary> ReadBundle(std::string_view text,
                                 const BundleReader::AcceptFn& on_accept,
                                 const BundleReader::RejectFn& on_reject,
                                 BundleLimits limits) {
  BundleReader reader(on_accept, on_reject, limits);
  if (auto written = reader.Write(text); !written) return written.error();
  return reader.Finish();
}

}  // namespace caduceus::intel
