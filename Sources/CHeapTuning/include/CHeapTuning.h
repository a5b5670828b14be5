#ifndef C_HEAP_TUNING_H
#define C_HEAP_TUNING_H

/// Keeps freed memory in the process's heap for reuse instead of returning it to the kernel (glibc's
/// mallopt: no mmap per large block, no trimming, heap grown in large steps). For short-lived commands
/// that allocate and free the same large arrays many times. Does nothing where glibc is not the allocator.
void obs_keep_freed_memory(void);

#endif
