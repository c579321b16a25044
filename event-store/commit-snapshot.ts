/**
 * Which transactions had committed at one instant: PostgreSQL's `pg_current_snapshot()`. A live
 * listener drops the events of transactions its snapshot holds, so it gets exactly what committed
 * after it subscribed. A position alone cannot say that: the log is read in commit-safe order behind
 * the oldest open transaction, so an event committed just before the listener came can still lie
 * ahead of the head it read, and an event of that open transaction, committed later, lies behind it.
 */
export class CommitSnapshot {
  private constructor(
    private readonly xmin: bigint,
    private readonly xmax: bigint,
    private readonly inProgress: ReadonlySet<bigint>,
  ) {}

  /** From `pg_current_snapshot()::text`: `xmin:xmax:xip,xip,…`. */
  static parse(text: string): CommitSnapshot {
    const match = /^(\d+):(\d+):([\d,]*)$/.exec(text.trim());
    if (!match) throw new Error(`not a pg_snapshot: ${text}`);
    const inProgress = new Set(match[3] ? match[3].split(',').map((xid) => BigInt(xid)) : []);
    return new CommitSnapshot(BigInt(match[1]!), BigInt(match[2]!), inProgress);
  }

  /** Whether the transaction had committed (or ended) when the snapshot was taken. */
  holds(transactionId: bigint | string): boolean {
    const xid = BigInt(transactionId);
    return xid < this.xmin || (xid < this.xmax && !this.inProgress.has(xid));
  }
}
