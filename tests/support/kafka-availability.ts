import { existsSync } from 'node:fs';

const HEADER = '/usr/include/librdkafka/rdkafka_mock.h';

/** Whether the Kafka suites can run: Debian's librdkafka-dev provides the mock cluster. */
export const kafkaMockAvailable = (): boolean => existsSync(HEADER);

export const KAFKA_MISSING = `${HEADER} is missing. Install Debian's librdkafka-dev (apt-get install librdkafka-dev); .ci/run does.`;
