// Command compactor is the compactor Lambda function: see package compactor.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/ticklake/ticklake/shared/awsx"
	"github.com/ticklake/ticklake/shared/awsx/gluecat"
	"github.com/ticklake/ticklake/shared/compactor"
	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/logging"
)

func main() {
	log := logging.New(nil)
	cfg, err := compactor.LoadConfig(envconf.New(nil))
	if err != nil {
		log.Error("compactor: bad configuration", "err", err)
		os.Exit(1)
	}
	awsCfg, err := awsx.LoadConfig(context.Background())
	if err != nil {
		log.Error("compactor: AWS configuration", "err", err)
		os.Exit(1)
	}
	h := compactor.New(cfg, awsx.NewS3(awsCfg), gluecat.New(awsCfg), log)
	lambda.Start(h.Handle)
}
