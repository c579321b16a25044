/**
 * A function that runs `run` once, in the next microtask, however often it is called in this tick:
 * group commit's trigger. Callers released by one commit come back in the same tick, so what they
 * queue meanwhile goes out together.
 */
export const onceThisTick = (run: () => void): (() => void) => {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      run();
    });
  };
};
