// Command topicinit is the custom-resource function that creates the Kafka topic: see package
// topicinit.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/shared/awsx"
	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/kafkax"
	"github.com/ticklake/ticklake/shared/logging"
	"github.com/ticklake/ticklake/shared/topicinit"
)

func main() {
	log := logging.New(nil)
	cfg, err := topicinit.LoadConfig(envconf.New(nil))
	if err != nil {
		log.Error("topicinit: bad configuration", "err", err)
		os.Exit(1)
	}
	awsCfg, err := awsx.LoadConfig(context.Background())
	if err != nil {
		log.Error("topicinit: AWS configuration", "err", err)
		os.Exit(1)
	}
	dial := func(brokers []string) (*kgo.Client, error) {
		opts, err := kafkax.Connection{Brokers: brokers, Auth: cfg.Auth, Credentials: awsCfg.Credentials}.Options()
		if err != nil {
			return nil, err
		}
		return kgo.NewClient(opts...)
	}
	lambda.Start(topicinit.New(dial, log).Handle)
}
