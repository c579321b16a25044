/*
 * A real Kafka protocol peer for the tests: librdkafka's built-in mock cluster (rdkafka_mock.h).
 * Usage: mock-cluster <brokers> <partitions> <topic>...
 * Prints the bootstrap servers on one line, then serves until stdin closes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s <brokers> <partitions> <topic>...\n", argv[0]);
    return 2;
  }
  int brokers = atoi(argv[1]);
  int partitions = atoi(argv[2]);
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (!cluster) {
    fprintf(stderr, "could not create the mock cluster\n");
    return 1;
  }
  for (int i = 3; i < argc; i++) {
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster, argv[i], partitions, brokers < 3 ? brokers : 3);
    if (err) {
      fprintf(stderr, "topic %s: %s\n", argv[i], rd_kafka_err2str(err));
      return 1;
    }
  }
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  fflush(stdout);
  char buffer[64];
  while (read(STDIN_FILENO, buffer, sizeof(buffer)) > 0) {
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  return 0;
}
