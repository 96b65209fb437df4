// gzip and zstd encoders for the sweep tests (the readers only decode).
#pragma once

#include <string>
#include <string_view>

#include <zlib.h>
#include <zstd.h>

namespace caduceus::sweep::testing_util {

// One gzip member holding `data`.
inline std::string Gzip(std::string_view data) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// One zstd frame holding `data`; with `window_log` the frame asks for that window and does not
// state its content size.
inline std::string Zstd(std::string_view data, int window_log = 0) {
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  if (window_log > 0) {
    ZSTD_CCtx_setParameter(ctx, ZSTD_c_windowLog, window_log);
    ZSTD_CCtx_setParameter(ctx, ZSTD_c_contentSizeFlag, 0);
  }
  std::string out(ZSTD_compressBound(data.size()) + 64, '\0');
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  // Fed before the end is announced, the encoder does not know the size and keeps the window.
  ZSTD_compressStream2(ctx, &o, &in, ZSTD_e_continue);
  std::size_t left = 1;
  while (left != 0 && ZSTD_isError(left) == 0)
    left = ZSTD_compressStream2(ctx, &o, &in, ZSTD_e_end);
  out.resize(o.pos);
  ZSTD_freeCCtx(ctx);
  return out;
}

}  // namespace caduceus::sweep::testing_util
