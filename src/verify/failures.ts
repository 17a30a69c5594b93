/** A verdict lists at most this many reasons: the first few say what is wrong; thousands would only bloat the answer. */
export const MAX_FAILURES = 10;

/** An empty list of failure reasons and the function that adds to it, up to MAX_FAILURES. */
export function failureList(): { failures: string[]; fail: (why: string) => void } {
  const failures: string[] = [];
  return {
    failures,
    fail: (why) => {
      if (failures.length < MAX_FAILURES) failures.push(why);
    },
  };
}
