/** Did-you-mean hints for misspelled keys: settings, and the keys of the OpenClaw config overlay. */

/** Edit distance (insertions, deletions, substitutions), for did-you-mean hints. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The allowed key a misspelled one most likely meant: same letters ignoring case, or at most 2 edits away. */
export function didYouMean(key: string, allowed: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const ranked = allowed
    .map((candidate) => ({ candidate, distance: candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase()) }))
    .filter(({ distance }) => distance <= Math.min(2, Math.floor(key.length / 3)) || distance === 0)
    .sort((a, b) => a.distance - b.distance);
  return ranked[0]?.candidate;
}
