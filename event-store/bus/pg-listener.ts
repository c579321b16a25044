import { EventEmitter } from 'node:events';
import pg from 'pg';

/**
 * One LISTEN connection per process, shared by every reader in it. Reconnects after a drop and
 * then emits `reconnect`, since notifications sent while it was away are lost.
 */
export class PgListener extends EventEmitter {
  private client: pg.Client | null = null;
  private readonly channels = new Set<string>();
  private stopped = false;
  private connecting: Promise<void> | null = null;

  constructor(private readonly connectionString: string) {
    super();
    this.setMaxListeners(0);
  }

  async listen(channel: string): Promise<void> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    if (this.channels.has(channel)) return this.connecting ?? undefined;
    this.channels.add(channel);
    if (this.client) await this.client.query(`LISTEN ${channel}`);
    else await this.connect();
  }

  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      while (!this.stopped) {
        const client = new pg.Client({ connectionString: this.connectionString });
        try {
          await client.connect();
          for (const channel of this.channels) await client.query(`LISTEN ${channel}`);
          client.on('notification', (message) => this.emit(message.channel, message.payload ?? ''));
          client.on('error', () => this.dropped(client));
          client.on('end', () => this.dropped(client));
          this.client = client;
          return;
        } catch {
          await client.end().catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private dropped(client: pg.Client): void {
    if (this.client !== client || this.stopped) return;
    this.client = null;
    void this.connect().then(() => this.emit('reconnect'));
  }

  async close(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
