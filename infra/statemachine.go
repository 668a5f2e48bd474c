package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	tasks "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctionstasks"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ticklake/ticklake/shared/analytics"
)

// StateMachineProps configure the analytics state machine.
type StateMachineProps struct {
	Settings   Settings
	Crawler    *string // crawler name
	CrawlerArn *string
	WorkGroup  *string
	// WorkGroupArn and DataCatalogArn scope the Athena rights.
	WorkGroupArn   *string
	DataCatalogArn *string
	Results        awss3.IBucket
	DataBucket     awss3.IBucket
	CatalogArns    []*string // catalog, database and table
}

// StateMachineParts are the state machine and its log group.
type StateMachineParts struct {
	StateMachine sfn.StateMachine
	Logs         awslogs.LogGroup
}

// Errors that are worth retrying with backoff.
var throttlingErrors = []string{"Athena.TooManyRequestsException", "Athena.ThrottlingException", "Glue.ThrottlingException",
	"Glue.OperationTimeoutException"}

// NewAnalyticsStateMachine builds `analytics`: take the day from the input (default: the execution's
// day, UTC), start the crawler (one already running is waited for, not an error), poll it every 30 s
// until it is ready, a bounded number of times, fail if its last crawl failed, then run every
// analytics query on Athena in parallel, fetch a preview of each result, and output a summary with
// each query's output location. Any other error ends in a Fail state that carries the cause.
func NewAnalyticsStateMachine(scope constructs.Construct, id string, p StateMachineProps) StateMachineParts {
	s := p.Settings
	c := constructs.NewConstruct(scope, jsii.String(id))
	retry := func(task interface {
		AddRetry(*sfn.RetryProps) sfn.TaskStateBase
	}) {
		task.AddRetry(&sfn.RetryProps{Errors: jsii.Strings(throttlingErrors...), Interval: awscdk.Duration_Seconds(jsii.Number(2)),
			MaxAttempts: jsii.Number(6), BackoffRate: jsii.Number(2), MaxDelay: awscdk.Duration_Seconds(jsii.Number(60))})
	}

	failed := sfn.NewFail(c, jsii.String("Failed"), &sfn.FailProps{
		ErrorPath: jsii.String("$.error.Error"), CausePath: jsii.String("$.error.Cause")})
	// LastCrawl is absent from GetCrawler's answer until the crawler's first crawl has ended: every
	// state that reads it comes after the CrawlerReady Choice has seen it present.
	crawlFailed := sfn.NewFail(c, jsii.String("CrawlFailed"), &sfn.FailProps{
		Error: jsii.String("Crawler.CrawlFailed"), CausePath: jsii.String("States.JsonToString($.crawler.Crawler.LastCrawl)")})
	crawlTimeout := sfn.NewFail(c, jsii.String("CrawlerTimedOut"), &sfn.FailProps{
		Error: jsii.String("Crawler.TimedOut"), Cause: jsii.String(fmt.Sprintf("the crawler was not ready after %d polls", s.CrawlerMaxPolls))})
	badDate := sfn.NewFail(c, jsii.String("BadDate"), &sfn.FailProps{
		Error: jsii.String(analytics.ErrBadDate), Cause: jsii.String(analytics.BadDateCause)})

	defaultDate := sfn.NewPass(c, jsii.String("DefaultDate"), &sfn.PassProps{
		Comment:    jsii.String("No date in the input: use the execution's day (UTC)"),
		Parameters: &map[string]any{"date.$": "States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, 'T'), 0)"}})
	// params is the queries' one execution parameter: the day as a quoted SQL literal.
	init := sfn.NewPass(c, jsii.String("Init"), &sfn.PassProps{
		Parameters: &map[string]any{"date.$": "$.date", "polls": 0, "params.$": `States.Array(States.Format('\'{}\'', $.date))`}})
	defaultDate.Next(init)
	// A given date must be a day, YYYY-MM-DD: a string of three dash-separated parts that, followed
	// by T00:00:00Z, is an RFC 3339 timestamp (which only four digits, two and two make).
	midnight := sfn.NewPass(c, jsii.String("DateAsTimestamp"), &sfn.PassProps{
		Parameters: &map[string]any{"date.$": "$.date", "midnight.$": "States.Format('{}T00:00:00Z', $.date)"}})
	midnight.Next(sfn.NewChoice(c, jsii.String("DateIsDay"), nil).
		When(sfn.Condition_IsTimestamp(jsii.String("$.midnight")), init, nil).
		Otherwise(badDate))
	hasDate := sfn.NewChoice(c, jsii.String("HasDate"), nil).
		When(sfn.Condition_IsNotPresent(jsii.String("$.date")), defaultDate, nil).
		When(sfn.Condition_And(sfn.Condition_IsString(jsii.String("$.date")),
			sfn.Condition_StringMatches(jsii.String("$.date"), jsii.String("*-*-*"))), midnight, nil).
		Otherwise(badDate)

	startCrawler := tasks.NewCallAwsService(c, jsii.String("StartCrawler"), &tasks.CallAwsServiceProps{
		Service: jsii.String("glue"), Action: jsii.String("startCrawler"),
		Parameters: &map[string]any{"Name": p.Crawler}, IamResources: &[]*string{p.CrawlerArn},
		ResultPath: sfn.JsonPath_DISCARD()})
	retry(startCrawler)
	wait := sfn.NewWait(c, jsii.String("WaitForCrawler"), &sfn.WaitProps{
		Time: sfn.WaitTime_Duration(awscdk.Duration_Seconds(jsii.Number(30)))})
	startCrawler.AddCatch(wait, &sfn.CatchProps{Errors: jsii.Strings("Glue.CrawlerRunningException"), ResultPath: sfn.JsonPath_DISCARD()})
	startCrawler.AddCatch(failed, &sfn.CatchProps{Errors: jsii.Strings("States.ALL"), ResultPath: jsii.String("$.error")})
	startCrawler.Next(wait)
	// The whole Crawler object: a ResultSelector path to LastCrawl would fail the execution
	// (States.Runtime, which no Catch matches) while the first crawl runs.
	getCrawler := tasks.NewCallAwsService(c, jsii.String("GetCrawler"), &tasks.CallAwsServiceProps{
		Service: jsii.String("glue"), Action: jsii.String("getCrawler"),
		Parameters: &map[string]any{"Name": p.Crawler}, IamResources: &[]*string{p.CrawlerArn},
		ResultSelector: &map[string]any{"Crawler.$": "$.Crawler"},
		ResultPath:     jsii.String("$.crawler")})
	retry(getCrawler)
	getCrawler.AddCatch(failed, &sfn.CatchProps{Errors: jsii.Strings("States.ALL"), ResultPath: jsii.String("$.error")})
	wait.Next(getCrawler)
	countPoll := sfn.NewPass(c, jsii.String("CountPoll"), &sfn.PassProps{
		Parameters: &map[string]any{"polls.$": "States.MathAdd($.polls, 1)"}, ResultPath: jsii.String("$.counter")})
	keepCount := sfn.NewPass(c, jsii.String("KeepCount"), &sfn.PassProps{
		Parameters: &map[string]any{"date.$": "$.date", "params.$": "$.params", "polls.$": "$.counter.polls"}})
	countPoll.Next(keepCount)
	keepCount.Next(wait)

	queries := sfn.NewParallel(c, jsii.String("RunQueries"), &sfn.ParallelProps{
		ResultPath: jsii.String("$.queries"), Comment: jsii.String("Every analytics query, on Athena, at once")})
	// The Athena steps are written as their Amazon States Language, with the role's rights granted
	// below, narrowly: the tasks constructs would grant S3 on every bucket and the right to create and
	// delete Glue databases and tables.
	retryState := &sfn.RetryProps{Errors: jsii.Strings(throttlingErrors...), Interval: awscdk.Duration_Seconds(jsii.Number(2)),
		MaxAttempts: jsii.Number(6), BackoffRate: jsii.Number(2), MaxDelay: awscdk.Duration_Seconds(jsii.Number(60))}
	// No result reuse: Athena reuses a result when the query text matches "as determined by
	// Athena", whatever the execution parameters, so a run for one day could get another day's
	// result. The day is a bound execution parameter, never part of the text.
	for _, q := range analytics.All() {
		start := sfn.NewCustomState(c, jsii.String("Start-"+q.Name), &sfn.CustomStateProps{StateJson: &map[string]any{
			"Type":     "Task",
			"Resource": awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:states:::athena:startQueryExecution.sync"), nil),
			"Parameters": map[string]any{
				"QueryString":           q.SQL,
				"QueryExecutionContext": map[string]any{"Database": s.Database},
				"WorkGroup":             p.WorkGroup,
				"ExecutionParameters.$": "$.params",
			},
			"ResultSelector": map[string]any{
				"query":                q.Name,
				"query_execution_id.$": "$.QueryExecution.QueryExecutionId",
				"state.$":              "$.QueryExecution.Status.State",
				"output_location.$":    "$.QueryExecution.ResultConfiguration.OutputLocation",
				"data_scanned_bytes.$": "$.QueryExecution.Statistics.DataScannedInBytes",
			},
		}})
		start.AddRetry(retryState)
		results := sfn.NewCustomState(c, jsii.String("Results-"+q.Name), &sfn.CustomStateProps{StateJson: &map[string]any{
			"Type":           "Task",
			"Resource":       awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:states:::athena:getQueryResults"), nil),
			"Parameters":     map[string]any{"QueryExecutionId.$": "$.query_execution_id", "MaxResults": 11},
			"ResultSelector": map[string]any{"rows.$": "$.ResultSet.Rows"},
			"ResultPath":     "$.preview",
		}})
		results.AddRetry(retryState)
		queries.Branch(start.Next(results))
	}
	queries.AddCatch(failed, &sfn.CatchProps{Errors: jsii.Strings("States.ALL"), ResultPath: jsii.String("$.error")})
	summary := sfn.NewPass(c, jsii.String("Summary"), &sfn.PassProps{
		Parameters: &map[string]any{"date.$": "$.date", "crawler.$": "$.crawler.Crawler.LastCrawl", "queries.$": "$.queries"}})
	queries.Next(summary)
	summary.Next(sfn.NewSucceed(c, jsii.String("Done"), nil))

	// Ready means READY with a last crawl to judge: right after StartCrawler, and before the first
	// crawl has ended, there is none, and the poll goes on.
	lastCrawl := sfn.NewChoice(c, jsii.String("LastCrawlSucceeded"), nil).
		When(sfn.Condition_StringEquals(jsii.String("$.crawler.Crawler.LastCrawl.Status"), jsii.String("FAILED")), crawlFailed, nil).
		Otherwise(queries)
	crawlerReady := sfn.NewChoice(c, jsii.String("CrawlerReady"), nil).
		When(sfn.Condition_And(sfn.Condition_StringEquals(jsii.String("$.crawler.Crawler.State"), jsii.String("READY")),
			sfn.Condition_IsPresent(jsii.String("$.crawler.Crawler.LastCrawl"))), lastCrawl, nil).
		When(sfn.Condition_NumberGreaterThanEquals(jsii.String("$.polls"), jsii.Number(float64(s.CrawlerMaxPolls))), crawlTimeout, nil).
		Otherwise(countPoll)
	getCrawler.Next(crawlerReady)
	init.Next(startCrawler)

	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention: retention(s.LogRetentionDays), RemovalPolicy: awscdk.RemovalPolicy_DESTROY})
	machine := sfn.NewStateMachine(c, jsii.String("StateMachine"), &sfn.StateMachineProps{
		Comment:        jsii.String("ticklake analytics: crawl, then the Athena queries. Input: {\"date\": \"YYYY-MM-DD\"}, optional."),
		DefinitionBody: sfn.DefinitionBody_FromChainable(hasDate),
		Timeout:        awscdk.Duration_Hours(jsii.Number(1)),
		TracingEnabled: jsii.Bool(true),
		// Errors only, without execution data by default: execution data carries query results.
		Logs: &sfn.LogOptions{Destination: logs, Level: sfn.LogLevel(s.StateMachineLogLevel),
			IncludeExecutionData: jsii.Bool(s.LogExecutionData)},
	})
	// Athena runs the queries with the caller's rights: read the data and the catalog, write results.
	role := machine.Role()
	role.AddToPrincipalPolicy(statement([]string{"athena:StartQueryExecution", "athena:GetQueryExecution",
		"athena:StopQueryExecution", "athena:GetQueryResults"}, p.WorkGroupArn))
	role.AddToPrincipalPolicy(statement([]string{"athena:GetDataCatalog"}, p.DataCatalogArn))
	role.AddToPrincipalPolicy(statement([]string{"glue:GetDatabase", "glue:GetTable", "glue:GetPartition", "glue:GetPartitions",
		"glue:BatchGetPartition"}, p.CatalogArns...))
	// The data: the live objects, and the compacted ones the catalog points compacted hours at.
	role.AddToPrincipalPolicy(statement([]string{"s3:GetObject"}, p.DataBucket.ArnForObjects(jsii.String(s.DataPrefix+"*")),
		p.DataBucket.ArnForObjects(jsii.String(s.CompactedPrefix+"*"))))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("s3:ListBucket", "s3:GetBucketLocation"), Resources: &[]*string{p.DataBucket.BucketArn(), p.Results.BucketArn()}}))
	role.AddToPrincipalPolicy(statement([]string{"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"},
		p.Results.ArnForObjects(jsii.String("results/*"))))
	return StateMachineParts{StateMachine: machine, Logs: logs}
}
