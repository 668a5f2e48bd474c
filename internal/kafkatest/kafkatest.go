// Package kafkatest runs an in-process Kafka cluster (franz-go's kfake) for tests.
package kafkatest

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Cluster starts a one-broker kfake cluster holding topic with partitions partitions, stopped when the
// test ends, and returns its seed brokers.
func Cluster(t testing.TB, topic string, partitions int32) []string {
	t.Helper()
	return ClusterOf(t, 1, topic, partitions)
}

// ClusterOf is Cluster with brokers brokers, for replication factors above 1 (MSK Serverless
// requires 3).
func ClusterOf(t testing.TB, brokers int, topic string, partitions int32) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(brokers), kfake.SeedTopics(partitions, topic))
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}
