import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS } from '../../event-store/bus/kafka/topics.js';

const LAUNCHER = 'tests/.tmp/mock-cluster';

/**
 * librdkafka's mock cluster reports controller and coordinator id 0 while its brokers are 1..n
 * (a known quirk of the mock, not of Kafka); kafkajs's idempotent producer then finds no broker.
 * Tests map an unknown broker 0 to the first known broker. Never used against a real cluster.
 */
const tolerateMockBrokerZero = () => {
  const require = createRequire(import.meta.url);
  const Cluster = require('kafkajs/src/cluster/index.js');
  if (Cluster.prototype.__mockBrokerZero) return;
  const findBroker = Cluster.prototype.findBroker;
  Cluster.prototype.findBroker = async function (this: any, { nodeId }: { nodeId: number }) {
    try {
      return await findBroker.call(this, { nodeId });
    } catch (error) {
      const known = this.brokerPool?.metadata?.brokers?.[0]?.nodeId;
      if (nodeId !== 0 || known === undefined) throw error;
      return findBroker.call(this, { nodeId: known });
    }
  };
  Cluster.prototype.__mockBrokerZero = true;
};

export interface MockCluster {
  brokers: string[];
  kafka(clientId?: string): Kafka;
  stop(): void;
}

/** Builds the launcher (gcc, -lrdkafka) once, then starts a 3-broker mock cluster with every topic. */
export const startMockCluster = async (partitions = 3): Promise<MockCluster> => {
  mkdirSync('tests/.tmp', { recursive: true });
  if (!existsSync(LAUNCHER)) {
    // Test files run side by side: one must never exec a launcher another is still writing
    // (ETXTBSY), so each builds its own file and renames it into place, which is atomic.
    const built = `${LAUNCHER}.${process.pid}`;
    execFileSync('gcc', ['-O1', '-o', built, 'tests/kafka/mock-cluster.c', '-lrdkafka'], { stdio: 'inherit' });
    renameSync(built, LAUNCHER);
  }
  tolerateMockBrokerZero();
  const child: ChildProcess = spawn(LAUNCHER, ['3', String(partitions), ...Object.values(TOPICS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const brokers = await new Promise<string[]>((resolve, reject) => {
    child.stdout!.once('data', (data: Buffer) => resolve(data.toString().trim().split(',')));
    child.once('exit', (code) => reject(new Error(`mock cluster exited with ${code}`)));
  });
  return {
    brokers,
    kafka: (clientId = 'tracseq-test') => new Kafka({ brokers, clientId, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } }),
    stop: () => {
      child.stdin!.end();
      child.kill();
    },
  };
};
