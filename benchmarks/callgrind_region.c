/* Callgrind client requests for a measured region, callable from Python
 * through ctypes (benchmarks.placement_instructions builds this file).
 * Outside valgrind the requests are no-ops. */
#include <valgrind/callgrind.h>

void region_start(void)
{
    CALLGRIND_START_INSTRUMENTATION;
    CALLGRIND_ZERO_STATS;
}

void region_stop(const char *name)
{
    CALLGRIND_DUMP_STATS_AT(name);
    CALLGRIND_STOP_INSTRUMENTATION;
}
