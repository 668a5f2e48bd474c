package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// NewFailureQueue makes the queue that keeps a function's failed asynchronous invocations (Lambda's
// on-failure destination records: the request payload, the error, the attempts): encrypted, SSL
// only, kept 14 days, the longest SQS allows.
func NewFailureQueue(scope constructs.Construct, id string) awssqs.Queue {
	return awssqs.NewQueue(scope, jsii.String(id), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
}

// AsyncFailures sends fn's failed asynchronous invocations, after retries attempts, to queue.
// maxAge bounds how long Lambda keeps an event it could not run (throttled, for one).
func AsyncFailures(fn awslambda.Function, queue awssqs.IQueue, retries float64, maxAge awscdk.Duration) {
	fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: jsii.Number(retries),
		MaxEventAge:   maxAge,
		OnFailure:     awslambdadestinations.NewSqsDestination(queue),
	})
}

// ScheduledEvent is the producer's event: a scheduled event in EventBridge's shape, filled in by
// Scheduler's context attributes (the run's ID and scheduled time, the schedule's ARN).
func ScheduledEvent(stack awscdk.Stack) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String(`{"version":"0","id":"<aws.scheduler.execution-id>","detail-type":"Scheduled Event","source":"aws.scheduler","account":"`),
		stack.Account(), jsii.String(`","time":"<aws.scheduler.scheduled-time>","region":"`), stack.Region(),
		jsii.String(`","resources":["<aws.scheduler.schedule-arn>"],"detail":{}}`)})
}

// ProducerScheduleProps configure the producer's schedule.
type ProducerScheduleProps struct {
	Settings Settings
	Producer awslambda.Function
	// Failures receives the invocations Scheduler could not deliver (its dead-letter queue).
	Failures awssqs.IQueue
}

// NewProducerSchedule runs the producer every Settings.ScheduleMinutes with EventBridge Scheduler,
// at the minute (no flexible window). Scheduler invokes the function asynchronously; its retry policy
// and dead-letter queue cover only the delivery, so a delivery is not retried (a late run would
// overlap the next one) and one that fails goes to Failures. The role may invoke the producer only.
func NewProducerSchedule(scope constructs.Construct, id string, p ProducerScheduleProps) awsscheduler.CfnSchedule {
	s := p.Settings
	stack := awscdk.Stack_Of(scope)
	role := awsiam.NewRole(scope, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}}}),
		Description: jsii.String("EventBridge Scheduler: invokes the producer"),
	})
	role.AddToPolicy(statement([]string{"lambda:InvokeFunction"}, p.Producer.FunctionArn()))
	role.AddToPolicy(statement([]string{"sqs:SendMessage"}, p.Failures.QueueArn()))
	state := "ENABLED"
	if !s.ScheduleEnabled {
		state = "DISABLED"
	}
	expr := fmt.Sprintf("rate(%d minutes)", s.ScheduleMinutes)
	if s.ScheduleMinutes == 1 {
		expr = "rate(1 minute)"
	}
	schedule := awsscheduler.NewCfnSchedule(scope, jsii.String(id), &awsscheduler.CfnScheduleProps{
		Description:        jsii.String("Runs the producer"),
		ScheduleExpression: jsii.String(expr),
		State:              jsii.String(state),
		FlexibleTimeWindow: &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
		Target: &awsscheduler.CfnSchedule_TargetProperty{
			Arn:     p.Producer.FunctionArn(),
			RoleArn: role.RoleArn(),
			Input:   ScheduledEvent(stack),
			RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{
				MaximumRetryAttempts: jsii.Number(0), MaximumEventAgeInSeconds: jsii.Number(60)},
			DeadLetterConfig: &awsscheduler.CfnSchedule_DeadLetterConfigProperty{Arn: p.Failures.QueueArn()},
		},
	})
	// A schedule runs as soon as it exists: not before its role may invoke the producer, nor before
	// the producer's asynchronous settings (no retry, the failure queue), which are part of the
	// function's construct, are in place.
	schedule.Node().AddDependency(role, p.Producer)
	return schedule
}
