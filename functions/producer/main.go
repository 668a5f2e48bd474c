// Command producer is the producer Lambda function: see package producer.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/shared/awsx"
	"github.com/ticklake/ticklake/shared/clock"
	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/kafkax"
	"github.com/ticklake/ticklake/shared/logging"
	"github.com/ticklake/ticklake/shared/producer"
)

func main() {
	log := logging.New(nil)
	cfg, err := producer.LoadConfig(envconf.New(nil))
	if err != nil {
		log.Error("producer: bad configuration", "err", err)
		os.Exit(1)
	}
	awsCfg, err := awsx.LoadConfig(context.Background())
	if err != nil {
		log.Error("producer: AWS configuration", "err", err)
		os.Exit(1)
	}
	opts, err := kafkax.Connection{Brokers: cfg.Brokers, Auth: cfg.Auth, Credentials: awsCfg.Credentials}.Options()
	if err != nil {
		log.Error("producer: Kafka connection", "err", err)
		os.Exit(1)
	}
	client, err := kgo.NewClient(append(opts, producer.ClientOptions(cfg)...)...)
	if err != nil {
		log.Error("producer: Kafka client", "err", err)
		os.Exit(1)
	}
	h := producer.New(cfg, client, clock.Wall{}, awsx.URIReader(awsx.NewS3(awsCfg)), log)
	lambda.Start(h.Handle)
}
