package main

import (
	"strconv"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ticklake/ticklake/shared/analytics"
	"github.com/ticklake/ticklake/shared/compactor"
	"github.com/ticklake/ticklake/shared/schema"
)

// CompactionProps configure the compactor, its state machine and its schedule.
type CompactionProps struct {
	Settings   Settings
	DataBucket awss3.IBucket
	// CatalogArns are the catalog's, the database's and the ticks table's ARNs.
	CatalogArns []*string
	// Failures receives the schedule's starts that could not be delivered (its dead-letter queue).
	Failures awssqs.IQueue
}

// Compaction is the compactor function, the `compaction` state machine and its schedule.
type Compaction struct {
	Function     awslambda.Function
	StateMachine sfn.StateMachine
	Logs         awslogs.LogGroup
	Schedule     awsscheduler.CfnSchedule
}

// CompactorTimeout is the compactor function's timeout; its lock lease is longer, so that a lock is
// never taken over from a run still under way.
const CompactorTimeout = 15 * time.Minute

// A locked hour is tried again after lockRetry, doubling up to lockRetryMax.
const (
	lockRetry    = time.Minute
	lockRetryMax = 5 * time.Minute
)

// lockRetries is how many retries of a locked hour wait out a lease taken just before the first try.
func lockRetries(lease time.Duration) int {
	n, waited, d := 0, time.Duration(0), lockRetry
	for waited <= lease {
		waited, n, d = waited+d, n+1, min(2*d, lockRetryMax)
	}
	return n + 1
}

// Errors of the lambda:invoke integration that are the Lambda service's, not the function's:
// worth retrying with backoff.
var lambdaServiceErrors = []string{"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
	"Lambda.TooManyRequestsException"}

// NewCompaction builds the compactor function (its role reads and deletes the live objects, writes
// and deletes under the compacted prefix, where its manifests, lock objects and pending markers live
// too, and reads and updates this table's partitions), the `compaction` state machine and its
// Scheduler schedule.
//
// The state machine: input {"hours": ["YYYY-MM-DDTHH", ...]} or {} (every closed hour that needs
// it) → plan (lambda:invoke) → Map over the hours, at most Settings.CompactionConcurrency at once,
// each hour compacted with retries on Lambda's service errors and its failure caught → cleanup of
// superseded objects past the grace period → summary. An execution in which any hour failed fails
// (Compaction.HoursFailed, the failed hours as the cause) after the other hours finished; one whose
// cleanup failed fails too (Compaction.CleanupFailed). A locked hour is retried past the lock's lease.
func NewCompaction(scope constructs.Construct, id string, p CompactionProps) Compaction {
	s := p.Settings
	stack := awscdk.Stack_Of(scope)
	c := constructs.NewConstruct(scope, jsii.String(id))
	minutes := func(m int) *string { return jsii.String((time.Duration(m) * time.Minute).String()) }
	lease := CompactorTimeout + 5*time.Minute
	fn := NewGoFunction(scope, "Compactor", s, GoFunctionProps{Name: "compactor",
		Description: "Compacts each closed hour of the lake into one sorted, deduplicated Parquet object",
		MemoryMB:    float64(s.CompactorMemoryMB), Timeout: awscdk.Duration_Seconds(jsii.Number(CompactorTimeout.Seconds())),
		Env: map[string]*string{
			compactor.EnvBucket: p.DataBucket.BucketName(), compactor.EnvDataPrefix: jsii.String(s.DataPrefix),
			compactor.EnvDLQPrefix: jsii.String(s.DLQPrefix), compactor.EnvCompactedPrefix: jsii.String(s.CompactedPrefix),
			compactor.EnvDatabase: jsii.String(s.Database), compactor.EnvTable: jsii.String(analytics.Table),
			compactor.EnvLateness: minutes(s.CompactionLatenessMinutes), compactor.EnvGrace: minutes(s.CompactionGraceMinutes),
			compactor.EnvLease:          jsii.String(lease.String()),
			compactor.EnvMaxObjectBytes: jsii.String(strconv.Itoa(s.CompactionMaxObjectMB << 20)),
			compactor.EnvRowGroupBytes:  jsii.String(strconv.Itoa(s.CompactionRowGroupMB << 20)),
			schema.EnvFields:            jsii.String(s.Fields.String())}})
	live := p.DataBucket.ArnForObjects(jsii.String(s.DataPrefix + "*"))
	compacted := p.DataBucket.ArnForObjects(jsii.String(s.CompactedPrefix + "*"))
	fn.AddToRolePolicy(statement([]string{"s3:GetObject", "s3:DeleteObject"}, live))
	fn.AddToRolePolicy(statement([]string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, compacted))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("s3:ListBucket"), Resources: &[]*string{p.DataBucket.BucketArn()},
		Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": []string{
			s.DataPrefix, s.DataPrefix + "*", s.CompactedPrefix, s.CompactedPrefix + "*"}}}}))
	fn.AddToRolePolicy(statement([]string{"glue:GetPartition", "glue:UpdatePartition"},
		p.CatalogArns...))

	invoke := func(name string, payload map[string]any, resultPath string) sfn.CustomState {
		st := sfn.NewCustomState(c, jsii.String(name), &sfn.CustomStateProps{StateJson: &map[string]any{
			"Type":           "Task",
			"Resource":       awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:states:::lambda:invoke"), nil),
			"Parameters":     map[string]any{"FunctionName": fn.FunctionArn(), "Payload": payload},
			"ResultSelector": map[string]any{"response.$": "$.Payload"},
			"ResultPath":     resultPath,
		}})
		st.AddRetry(&sfn.RetryProps{Errors: jsii.Strings(lambdaServiceErrors...), Interval: awscdk.Duration_Seconds(jsii.Number(2)),
			MaxAttempts: jsii.Number(6), BackoffRate: jsii.Number(2), MaxDelay: awscdk.Duration_Seconds(jsii.Number(60))})
		return st
	}

	planFailed := sfn.NewFail(c, jsii.String("PlanFailed"), &sfn.FailProps{
		ErrorPath: jsii.String("$.error.Error"), CausePath: jsii.String("$.error.Cause")})
	planGiven := invoke("PlanGivenHours", map[string]any{"action": compactor.ActionPlan, "hours.$": "$.hours"}, "$.plan")
	planClosed := invoke("PlanClosedHours", map[string]any{"action": compactor.ActionPlan}, "$.plan")
	for _, plan := range []sfn.CustomState{planGiven, planClosed} {
		plan.AddCatch(planFailed, &sfn.CatchProps{Errors: jsii.Strings("States.ALL"), ResultPath: jsii.String("$.error")})
	}
	hasHours := sfn.NewChoice(c, jsii.String("HasHours"), &sfn.ChoiceProps{
		Comment: jsii.String(`{"hours": [...]} names the hours; {} plans every closed hour that needs compaction`)}).
		When(sfn.Condition_IsPresent(jsii.String("$.hours")), planGiven, nil).
		Otherwise(planClosed)

	// One hour: compacted, or its failure recorded; either way the other hours go on.
	compact := invoke("CompactHour", map[string]any{"action": compactor.ActionCompact, "hour.$": "$.hour"}, "$.compaction")
	// An hour another run holds is retried until that run's lease has run out: a retry of this
	// execution's own attempt (after a Lambda service error) waits for that attempt to finish, and a
	// crashed run's lock is taken over; past that the hour fails, and with it the execution.
	compact.AddRetry(&sfn.RetryProps{Errors: jsii.Strings(compactor.ErrorHourLocked),
		Interval: awscdk.Duration_Seconds(jsii.Number(lockRetry.Seconds())), MaxAttempts: jsii.Number(float64(lockRetries(lease))),
		BackoffRate: jsii.Number(2), MaxDelay: awscdk.Duration_Seconds(jsii.Number(lockRetryMax.Seconds()))})
	hourFailed := sfn.NewPass(c, jsii.String("HourFailed"), &sfn.PassProps{Parameters: &map[string]any{
		"hour.$": "$.hour", "failed": true, "error.$": "$.error.Error", "cause.$": "$.error.Cause"}})
	compact.AddCatch(hourFailed, &sfn.CatchProps{Errors: jsii.Strings("States.ALL"), ResultPath: jsii.String("$.error")})
	hourDone := sfn.NewPass(c, jsii.String("HourCompacted"), &sfn.PassProps{Parameters: &map[string]any{
		"hour.$": "$.hour", "failed": false, "result.$": "$.compaction.response"}})
	compact.Next(hourDone)
	hours := sfn.NewMap(c, jsii.String("CompactHours"), &sfn.MapProps{
		Comment:        jsii.String("Each planned hour, a bounded number at once"),
		ItemsPath:      jsii.String("$.plan.response.hours"),
		ItemSelector:   &map[string]any{"hour.$": "$$.Map.Item.Value"},
		MaxConcurrency: jsii.Number(float64(s.CompactionConcurrency)),
		ResultPath:     jsii.String("$.results")})
	hours.ItemProcessor(compact, nil)
	noHours := sfn.NewPass(c, jsii.String("NothingToCompact"), &sfn.PassProps{
		Result: sfn.Result_FromArray(&[]any{}), ResultPath: jsii.String("$.results")})
	anyHours := sfn.NewChoice(c, jsii.String("AnyHours"), nil).
		When(sfn.Condition_IsPresent(jsii.String("$.plan.response.hours[0]")), hours, nil).
		Otherwise(noHours)
	planGiven.Next(anyHours)
	planClosed.Next(anyHours)

	// Superseded objects past the grace period go; a failure here is kept in the output and, once
	// the hours are done, fails the execution (Compaction.CleanupFailed), so that the alarm tells of
	// objects that are not being deleted; the next run tries again.
	cleanup := invoke("Cleanup", map[string]any{"action": compactor.ActionCleanup}, "$.cleanup")
	hours.Next(cleanup)
	noHours.Next(cleanup)
	summary := sfn.NewPass(c, jsii.String("Summary"), &sfn.PassProps{Parameters: &map[string]any{
		"results.$": "$.results", "failed.$": "$.results[?(@.failed == true)]", "cleanup.$": "$.cleanup"}})
	tally := sfn.NewPass(c, jsii.String("Tally"), &sfn.PassProps{Parameters: &map[string]any{
		"results.$": "$.results", "failed.$": "$.failed", "cleanup.$": "$.cleanup",
		"hours.$": "States.ArrayLength($.results)", "failed_hours.$": "States.ArrayLength($.failed)"}})
	hoursFailed := sfn.NewFail(c, jsii.String("HoursFailed"), &sfn.FailProps{
		Error: jsii.String("Compaction.HoursFailed"), CausePath: jsii.String("States.JsonToString($.failed)")})
	cleanupFailed := sfn.NewFail(c, jsii.String("CleanupFailed"), &sfn.FailProps{
		Error: jsii.String("Compaction.CleanupFailed"), CausePath: jsii.String("States.JsonToString($.cleanup)")})
	allDone := sfn.NewChoice(c, jsii.String("AllCompacted"), nil).
		When(sfn.Condition_NumberGreaterThan(jsii.String("$.failed_hours"), jsii.Number(0)), hoursFailed, nil).
		When(sfn.Condition_IsPresent(jsii.String("$.cleanup.Error")), cleanupFailed, nil).
		Otherwise(sfn.NewSucceed(c, jsii.String("Done"), nil))
	cleanup.AddCatch(summary, &sfn.CatchProps{Errors: jsii.Strings("States.ALL"), ResultPath: jsii.String("$.cleanup")})
	cleanup.Next(summary)
	summary.Next(tally)
	tally.Next(allDone)

	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention: retention(s.LogRetentionDays), RemovalPolicy: awscdk.RemovalPolicy_DESTROY})
	machine := sfn.NewStateMachine(c, jsii.String("StateMachine"), &sfn.StateMachineProps{
		Comment: jsii.String(`ticklake compaction: each closed hour into one sorted, deduplicated object. ` +
			`Input: {"hours": ["YYYY-MM-DDTHH", ...]}, or {} for every closed hour that needs it.`),
		DefinitionBody: sfn.DefinitionBody_FromChainable(hasHours),
		Timeout:        awscdk.Duration_Hours(jsii.Number(6)),
		TracingEnabled: jsii.Bool(true),
		// The execution data holds hours and counts, never ticks: everything is logged.
		Logs: &sfn.LogOptions{Destination: logs, Level: sfn.LogLevel_ALL, IncludeExecutionData: jsii.Bool(true)},
	})
	machine.Role().AddToPrincipalPolicy(statement([]string{"lambda:InvokeFunction"}, fn.FunctionArn()))

	// The schedule: Scheduler starts an execution with {}; a start it cannot deliver is retried (a
	// late or repeated execution is harmless: hours are locked and planned afresh), then kept in the
	// queue.
	role := awsiam.NewRole(scope, jsii.String(id+"ScheduleRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}}}),
		Description: jsii.String("EventBridge Scheduler: starts the compaction state machine"),
	})
	role.AddToPolicy(statement([]string{"states:StartExecution"}, machine.StateMachineArn()))
	role.AddToPolicy(statement([]string{"sqs:SendMessage"}, p.Failures.QueueArn()))
	state := "ENABLED"
	if !s.CompactionEnabled {
		state = "DISABLED"
	}
	schedule := awsscheduler.NewCfnSchedule(scope, jsii.String(id+"Schedule"), &awsscheduler.CfnScheduleProps{
		Description:                jsii.String("Starts the compaction of closed hours"),
		ScheduleExpression:         jsii.String(s.CompactionExpression()),
		ScheduleExpressionTimezone: jsii.String("UTC"),
		State:                      jsii.String(state),
		FlexibleTimeWindow:         &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
		Target: &awsscheduler.CfnSchedule_TargetProperty{
			Arn:     machine.StateMachineArn(),
			RoleArn: role.RoleArn(),
			Input:   jsii.String("{}"),
			RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{
				MaximumRetryAttempts: jsii.Number(5), MaximumEventAgeInSeconds: jsii.Number(3600)},
			DeadLetterConfig: &awsscheduler.CfnSchedule_DeadLetterConfigProperty{Arn: p.Failures.QueueArn()},
		},
	})
	schedule.Node().AddDependency(role)
	return Compaction{Function: fn, StateMachine: machine, Logs: logs, Schedule: schedule}
}
