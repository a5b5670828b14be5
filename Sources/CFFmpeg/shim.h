#ifndef OBSREVIEW_CFFMPEG_SHIM_H
#define OBSREVIEW_CFFMPEG_SHIM_H

// The only C that ObservationReview sees. MediaIndex is the only Swift module that imports it.
// Function-like and cast macros that Swift cannot import are re-exported as static inline
// functions; so are the few pointer manipulations that are clearer in C than through
// imported tuples (AVFrame.data / linesize) or double pointers (filter graph in/out lists).

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libavutil/channel_layout.h>
#include <libswscale/swscale.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersrc.h>
#include <libavfilter/buffersink.h>
#include <libavutil/opt.h>
#include <string.h>

// FFmpeg 5.1 (libavformat 59, libavcodec 59, libavutil 57) is the oldest we support: it introduced
// AVChannelLayout (ch_layout), which the binding relies on.
#if LIBAVFORMAT_VERSION_MAJOR < 59 || LIBAVCODEC_VERSION_MAJOR < 59 || LIBAVUTIL_VERSION_MAJOR < 57 || \
    (LIBAVUTIL_VERSION_MAJOR == 57 && LIBAVUTIL_VERSION_MINOR < 28)
#error "ObservationReview needs FFmpeg 5.1 or newer (libavformat >= 59, libavcodec >= 59, libavutil >= 57.28)"
#endif

static inline int obs_averror(int e) { return AVERROR(e); }
static inline int obs_averror_eof(void) { return AVERROR_EOF; }
static inline int obs_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int obs_averror_enomem(void) { return AVERROR(ENOMEM); }
static inline int64_t obs_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int obs_time_base(void) { return AV_TIME_BASE; }
static inline AVRational obs_time_base_q(void) { return AV_TIME_BASE_Q; }

/// The FFmpeg message for an error code (av_err2str is a macro with a compound literal).
static inline void obs_strerror(int code, char *buffer, size_t size) {
    if (av_strerror(code, buffer, size) < 0) {
        snprintf(buffer, size, "unknown FFmpeg error %d", code);
    }
}

/// Scales `src` into `dst` (both allocated frames); returns sws_scale's result.
static inline int obs_scale_frame(struct SwsContext *ctx, const AVFrame *src, AVFrame *dst) {
    return sws_scale(ctx, (const uint8_t * const *)src->data, src->linesize, 0, src->height,
                     dst->data, dst->linesize);
}

/// Rotates every plane of a planar 8-bit frame `src` clockwise by `degrees` (90, 180 or 270) into
/// `dst`, which must already be allocated with the rotated width and height and the same pixel format.
static inline void obs_rotate_planes(const AVFrame *src, AVFrame *dst, int degrees) {
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get((enum AVPixelFormat)src->format);
    if (!desc) return;
    for (int p = 0; p < 4 && src->data[p] && dst->data[p]; p++) {
        int chroma = (p == 1 || p == 2);
        int sw = chroma ? AV_CEIL_RSHIFT(src->width, desc->log2_chroma_w) : src->width;
        int sh = chroma ? AV_CEIL_RSHIFT(src->height, desc->log2_chroma_h) : src->height;
        int dw = chroma ? AV_CEIL_RSHIFT(dst->width, desc->log2_chroma_w) : dst->width;
        int dh = chroma ? AV_CEIL_RSHIFT(dst->height, desc->log2_chroma_h) : dst->height;
        const uint8_t *s = src->data[p];
        uint8_t *d = dst->data[p];
        int sl = src->linesize[p], dl = dst->linesize[p];
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                int dx, dy;
                switch (degrees) {
                case 90:  dx = sh - 1 - y; dy = x; break;
                case 180: dx = sw - 1 - x; dy = sh - 1 - y; break;
                case 270: dx = y; dy = sw - 1 - x; break;
                default:  dx = x; dy = y; break;
                }
                if (dx < dw && dy < dh) d[dy * dl + dx] = s[y * sl + x];
            }
        }
    }
}

/// Links `description` (a filter chain such as "transpose=clock,scale=426:240") between an already
/// created buffer source and buffer sink, and configures the graph. Returns a negative AVERROR on failure.
/// The AVFilterInOut list handling is clearer in C than through imported double pointers.
static inline int obs_filter_graph_configure(AVFilterGraph *graph, AVFilterContext *source,
                                             AVFilterContext *sink, const char *description) {
    AVFilterInOut *outputs = avfilter_inout_alloc();
    AVFilterInOut *inputs = avfilter_inout_alloc();
    int ret = AVERROR(ENOMEM);
    if (outputs && inputs) {
        outputs->name = av_strdup("in");
        outputs->filter_ctx = source;
        outputs->pad_idx = 0;
        outputs->next = NULL;
        inputs->name = av_strdup("out");
        inputs->filter_ctx = sink;
        inputs->pad_idx = 0;
        inputs->next = NULL;
        ret = avfilter_graph_parse_ptr(graph, description, &inputs, &outputs, NULL);
        if (ret >= 0) ret = avfilter_graph_config(graph, NULL);
    }
    avfilter_inout_free(&inputs);
    avfilter_inout_free(&outputs);
    return ret;
}

/// Copies a stream's display matrix (rotation) to another stream; returns 1 when there was one.
static inline int obs_copy_display_matrix(const AVStream *from, AVStream *to) {
    size_t size = 0;
    const uint8_t *data = av_stream_get_side_data(from, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (!data || size < 9 * sizeof(int32_t)) return 0;
    uint8_t *copy = av_stream_new_side_data(to, AV_PKT_DATA_DISPLAYMATRIX, size);
    if (!copy) return AVERROR(ENOMEM);
    memcpy(copy, data, size);
    return 1;
}

#endif
