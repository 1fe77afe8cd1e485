/** The largest number of sends inside any window of `windowMs` (sends as [time, count], sorted by time). */
export function maxInAnyWindow(sends: ReadonlyArray<readonly [number, number]>, windowMs: number): number {
  let best = 0;
  let sum = 0;
  let j = 0;
  for (let i = 0; i < sends.length; i++) {
    sum += sends[i][1];
    while (sends[j][0] <= sends[i][0] - windowMs) sum -= sends[j++][1];
    best = Math.max(best, sum);
  }
  return best;
}
