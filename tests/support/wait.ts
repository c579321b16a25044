/** Polls a condition in a test (never in product code) until it holds or the timeout passes. */
export const waitUntil = async (condition: () => Promise<boolean> | boolean, timeoutMs = 10_000, label = 'condition'): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
