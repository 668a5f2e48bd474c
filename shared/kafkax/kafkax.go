// Package kafkax builds franz-go clients for ticklake: plaintext for local and test brokers, or AWS
// MSK IAM authentication over TLS, as Amazon MSK (Serverless) requires.
package kafkax

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	awssasl "github.com/twmb/franz-go/pkg/sasl/aws"
)

// Authentication modes.
const (
	AuthIAM  = "iam"
	AuthNone = "none"
)

// Connection says how to reach the brokers.
type Connection struct {
	Brokers []string
	// Auth is AuthIAM or AuthNone.
	Auth string
	// Credentials sign the IAM authentication; required with AuthIAM.
	Credentials aws.CredentialsProvider
}

// Options returns the client options that connect as c says.
func (c Connection) Options() ([]kgo.Opt, error) {
	if len(c.Brokers) == 0 {
		return nil, fmt.Errorf("no Kafka brokers")
	}
	opts := []kgo.Opt{kgo.SeedBrokers(c.Brokers...)}
	switch c.Auth {
	case AuthNone, "":
	case AuthIAM:
		if c.Credentials == nil {
			return nil, fmt.Errorf("IAM authentication needs AWS credentials")
		}
		creds := c.Credentials
		opts = append(opts,
			kgo.SASL(awssasl.ManagedStreamingIAM(func(ctx context.Context) (awssasl.Auth, error) {
				v, err := creds.Retrieve(ctx)
				if err != nil {
					return awssasl.Auth{}, fmt.Errorf("retrieve AWS credentials: %w", err)
				}
				return awssasl.Auth{AccessKey: v.AccessKeyID, SecretKey: v.SecretAccessKey, SessionToken: v.SessionToken,
					UserAgent: "ticklake"}, nil
			})),
			kgo.Dialer((&tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: &tls.Config{MinVersion: tls.VersionTLS12}}).DialContext),
		)
	default:
		return nil, fmt.Errorf("unknown Kafka authentication %q", c.Auth)
	}
	return opts, nil
}

// EnsureTopic creates topic with partitions partitions (replication as the cluster's default), or,
// when it exists with fewer partitions, adds partitions up to that count. It never removes anything.
// It returns the partition count the topic has afterwards.
func EnsureTopic(ctx context.Context, client *kgo.Client, topic string, partitions int32) (int32, error) {
	return EnsureTopicReplicated(ctx, client, topic, partitions, -1)
}

// EnsureTopicReplicated is EnsureTopic with an explicit replication factor for a topic it creates
// (-1: the cluster's default). MSK Serverless requires 3; a provisioned cluster allows at most its
// broker count.
func EnsureTopicReplicated(ctx context.Context, client *kgo.Client, topic string, partitions int32, replication int16) (int32, error) {
	adm := kadm.NewClient(client)
	resp, err := adm.CreateTopic(ctx, partitions, replication, nil, topic)
	if err == nil {
		err = resp.Err
	}
	switch {
	case err == nil:
		return partitions, nil
	case !errors.Is(err, kerr.TopicAlreadyExists):
		return 0, fmt.Errorf("create topic %s: %w", topic, err)
	}
	details, err := adm.ListTopics(ctx, topic)
	if err != nil {
		return 0, fmt.Errorf("describe topic %s: %w", topic, err)
	}
	have := int32(len(details[topic].Partitions))
	if have >= partitions {
		return have, nil
	}
	resps, err := adm.UpdatePartitions(ctx, int(partitions), topic)
	if err == nil {
		err = topicResult(resps, topic)
	}
	if err != nil {
		return have, fmt.Errorf("add partitions to %s: %w", topic, err)
	}
	return partitions, nil
}

// topicResult is the error the broker reported for topic in a CreatePartitions response, or an error
// when the response does not mention it.
func topicResult(resps kadm.CreatePartitionsResponses, topic string) error {
	r, ok := resps[topic]
	if !ok {
		return fmt.Errorf("no result for topic %s", topic)
	}
	if r.Err != nil && r.ErrMessage != "" {
		return fmt.Errorf("%w: %s", r.Err, r.ErrMessage)
	}
	return r.Err
}
