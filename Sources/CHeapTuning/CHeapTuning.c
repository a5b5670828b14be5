#include "CHeapTuning.h"

#if defined(__linux__)
#include <malloc.h>
#endif

void obs_keep_freed_memory(void) {
#if defined(__GLIBC__)
    // glibc refuses more than half its 64 MiB heap size as the mmap threshold.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
#endif
}
