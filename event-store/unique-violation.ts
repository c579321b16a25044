/** PostgreSQL's unique_violation (SQLSTATE 23505), duck-typed on the driver's error. */
export const isUniqueViolation = (error: unknown): error is { code: string; constraint?: string } =>
  typeof error === 'object' && error !== null && (error as { code?: string }).code === '23505';
