/**
 * Runs one call per key at a time: a caller arriving while the call for its
 * key runs gets that call's result instead of starting another.
 */
export function singleFlight<T>(): (key: string, fn: () => Promise<T>) => Promise<T> {
  const running = new Map<string, Promise<T>>();
  return (key, fn) => {
    const known = running.get(key);
    if (known) return known;
    const p = fn().finally(() => running.delete(key));
    running.set(key, p);
    return p;
  };
}
