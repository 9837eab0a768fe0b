/** Pure: a queue that runs async tasks one after another (a failed task does not stop the next). */

/** Returns `run(fn)`: `fn` starts once every task queued before it has settled. */
export function serialQueue(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };
}
