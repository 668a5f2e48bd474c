// Package topicinit is the topicinit function: the handler of a CloudFormation custom resource (through
// the CDK provider framework) that makes sure the Kafka topic exists with its partitions before the
// producer and the event-source mapping use it. MSK Serverless does not create topics on first use.
package topicinit

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/kafkax"
	"github.com/ticklake/ticklake/shared/logging"
)

// Resource properties.
const (
	PropBrokers    = "Brokers"
	PropTopic      = "Topic"
	PropPartitions = "Partitions"
	// PropReplicationFactor is the topic's replication factor, 1 to 32767; absent, the cluster's
	// default.
	PropReplicationFactor = "ReplicationFactor"
)

// EnvAuth selects the Kafka authentication, as for the producer.
const EnvAuth = "KAFKA_AUTH"

// Config is the function's configuration.
type Config struct {
	Auth string
}

// LoadConfig reads the configuration from env.
func LoadConfig(env *envconf.Reader) (Config, error) {
	c := Config{Auth: env.OneOf(EnvAuth, kafkax.AuthIAM, kafkax.AuthIAM, kafkax.AuthNone)}
	return c, env.Err()
}

// Response is what the provider framework expects back.
type Response struct {
	PhysicalResourceID string         `json:"PhysicalResourceId"`
	Data               map[string]any `json:"Data,omitempty"`
}

// Dialer makes a Kafka client for the brokers of a request.
type Dialer func(brokers []string) (*kgo.Client, error)

// Handler is the topicinit function.
type Handler struct {
	dial Dialer
	log  *slog.Logger
}

// New returns a Handler.
func New(dial Dialer, log *slog.Logger) *Handler { return &Handler{dial: dial, log: log} }

// Handle creates or grows the topic on Create and Update; on Delete it leaves the topic and its data
// alone (they go with the cluster) and succeeds whatever the properties say, so that a stack whose
// creation failed on them can still be deleted.
func (h *Handler) Handle(ctx context.Context, ev cfn.Event) (Response, error) {
	log := logging.For(ctx, h.log)
	if ev.RequestType == cfn.RequestDelete {
		topic, _ := ev.ResourceProperties[PropTopic].(string)
		log.Info("topic kept", "topic", topic)
		return Response{PhysicalResourceID: ev.PhysicalResourceID}, nil
	}
	brokers, topic, partitions, err := properties(ev.ResourceProperties)
	if err != nil {
		return Response{}, fmt.Errorf("topicinit: %w", err)
	}
	physicalID := "topic/" + topic
	replication, err := replicationFactor(ev.ResourceProperties)
	if err != nil {
		return Response{}, fmt.Errorf("topicinit: %w", err)
	}
	cl, err := h.dial(brokers)
	if err != nil {
		return Response{}, fmt.Errorf("topicinit: %w", err)
	}
	defer cl.Close()
	have, err := kafkax.EnsureTopicReplicated(ctx, cl, topic, int32(partitions), replication)
	if err != nil {
		return Response{}, fmt.Errorf("topicinit: %w", err)
	}
	log.Info("topic ready", "topic", topic, "partitions", have, "request", ev.RequestType)
	return Response{PhysicalResourceID: physicalID, Data: map[string]any{"Topic": topic, "Partitions": have}}, nil
}

func properties(p map[string]any) (brokers []string, topic string, partitions int, err error) {
	str := func(k string) string { s, _ := p[k].(string); return strings.TrimSpace(s) }
	for _, b := range strings.Split(str(PropBrokers), ",") {
		if b = strings.TrimSpace(b); b != "" {
			brokers = append(brokers, b)
		}
	}
	topic = str(PropTopic)
	// CloudFormation passes every property as a string.
	partitions, convErr := strconv.Atoi(str(PropPartitions))
	switch {
	case len(brokers) == 0:
		err = fmt.Errorf("property %s is empty", PropBrokers)
	case topic == "":
		err = fmt.Errorf("property %s is empty", PropTopic)
	case convErr != nil || partitions < 1:
		err = fmt.Errorf("property %s=%q is not a positive integer", PropPartitions, str(PropPartitions))
	}
	return brokers, topic, partitions, err
}

// replicationFactor reads PropReplicationFactor: -1 (the cluster's default) when absent. A value
// that is not a string (CloudFormation passes every property as one) is an error, not the default.
func replicationFactor(p map[string]any) (int16, error) {
	v, ok := p[PropReplicationFactor]
	if !ok || v == nil {
		return -1, nil
	}
	s, isString := v.(string)
	if !isString {
		return 0, fmt.Errorf("property %s=%v is not a string", PropReplicationFactor, v)
	}
	if s = strings.TrimSpace(s); s == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(s, 10, 16)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("property %s=%q is not an integer from 1 to 32767", PropReplicationFactor, s)
	}
	return int16(n), nil
}
