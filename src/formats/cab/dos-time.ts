/**
 * MS-DOS date and time words, as used by cabinet CFFILE records (and ZIP): date = (year − 1980) << 9 |
 * month << 5 | day, time = hour << 11 | minute << 5 | second / 2. We convert in UTC so that the same
 * `SOURCE_DATE_EPOCH` gives the same bytes on every build machine; dates before 1980 clamp to 1980-01-01.
 *
 * Spec: https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-filetimetodosdatetime
 */

export function dosDateTime(unixSeconds: number): { date: number; time: number } {
  const d = new Date(Math.max(unixSeconds, 315_532_800) * 1000); // 1980-01-01T00:00:00Z
  const year = Math.min(d.getUTCFullYear(), 2107);
  return {
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  };
}
