/** Of the shutdown budget, what is kept for closing children, cursors and state.db after the turns' share. */
export function shutdownPlan(budgetMs: number): { turnsMs: number; unwindMs: number } {
  const reserveMs = Math.min(3000, budgetMs / 2);
  return { turnsMs: budgetMs - reserveMs, unwindMs: reserveMs / 2 };
}

/** Resolves true when `work` settled within `timeoutMs`, false otherwise (the work goes on). */
export async function within(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
  });
  try {
    return await Promise.race([
      work.then(
        () => true as const,
        () => true as const,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
