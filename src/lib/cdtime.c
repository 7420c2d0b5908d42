/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "cdtime.h"

#include <stdio.h>

int64_t pm_cdf_floor(int64_t frames, int64_t rate)
{
    return frames * PM_CD_FRAMES_PER_SEC / rate;
}

int64_t pm_cdf_nearest(int64_t frames, int64_t rate)
{
    return (2 * frames * PM_CD_FRAMES_PER_SEC + rate) / (2 * rate);
}

int64_t pm_cdf_ceil(int64_t frames, int64_t rate)
{
    return (frames * PM_CD_FRAMES_PER_SEC + rate - 1) / rate;
}

int64_t pm_cdf_to_frames(int64_t cdf, int64_t rate)
{
    return (2 * cdf * rate + PM_CD_FRAMES_PER_SEC) / (2 * PM_CD_FRAMES_PER_SEC);
}

void pm_cdf_format(int64_t cdf, char *buf, int n)
{
    snprintf(buf, (size_t)n, "%02lld:%02lld:%02lld", (long long)(cdf / 4500),
             (long long)(cdf / 75 % 60), (long long)(cdf % 75));
}
