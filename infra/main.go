// Command infra is ticklake's CDK app: `npx cdk synth|diff|deploy` from the repository root run it.
// Settings come from CDK context (see Settings); the functions' zips come from `make build`.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	if err := build(app); err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
	app.Synth(nil)
}

// build adds the stack, with the security checks, to app.
func build(app awscdk.App) error {
	s, err := ReadSettings(app)
	if err != nil {
		return err
	}
	if err := s.CheckAssets(Functions...); err != nil {
		return err
	}
	props := awscdk.StackProps{Description: jsii.String("ticklake: real-time stock ticks into a queryable data lake")}
	// Account and region come from the CLI's profile at deploy time; without one the stack is
	// environment-agnostic.
	if account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION"); account != "" && region != "" {
		props.Env = &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
	}
	stack := NewTicklakeStack(app, s.StackID(), &TicklakeStackProps{StackProps: props, Settings: s})
	Suppress(stack)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return nil
}
