package main

import (
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ObservabilityProps name what to watch.
type ObservabilityProps struct {
	Settings     Settings
	Producer     awslambda.Function
	Consumer     awslambda.Function
	Trigger      awslambda.Function
	StateMachine sfn.StateMachine
	// Compactor and Compaction are the compactor function and the compaction state machine.
	Compactor  awslambda.Function
	Compaction sfn.StateMachine
	// FailureQueues keep failed asynchronous invocations, by name: a message in one raises an alarm.
	FailureQueues map[string]awssqs.IQueue
}

// NoAlarmEmail is the synth warning of a deployment whose alarms reach no one.
const NoAlarmEmail = "ticklake:alarm-email is not set: the alarm topic has no subscriber, so no alarm reaches anyone. " +
	"Deploy with -c ticklake:alarm-email=you@example.com (and confirm the subscription), or subscribe to the topic yourself."

// Observability is what NewObservability made that others need.
type Observability struct {
	// AlarmTopic is the topic every alarm notifies.
	AlarmTopic awssns.Topic
}

// NewObservability adds the alarms (to an encrypted SNS topic, with an optional email subscription)
// and a dashboard of the pipeline's flow.
func NewObservability(scope constructs.Construct, id string, p ObservabilityProps) Observability {
	c := constructs.NewConstruct(scope, jsii.String(id))
	key := awskms.NewKey(c, jsii.String("AlarmKey"), &awskms.KeyProps{
		Description: jsii.String("ticklake alarm topic"), EnableKeyRotation: jsii.Bool(true), RemovalPolicy: awscdk.RemovalPolicy_DESTROY})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Resources:  jsii.Strings("*"), // in a key policy, "*" is the key itself
	}), nil)
	topic := awssns.NewTopic(c, jsii.String("Alarms"), &awssns.TopicProps{
		DisplayName: jsii.String("ticklake alarms"), MasterKey: key, EnforceSSL: jsii.Bool(true)})
	if p.Settings.AlarmEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(p.Settings.AlarmEmail), nil))
	} else {
		awscdk.Annotations_Of(topic).AddWarningV2(jsii.String("ticklake:no-alarm-email"), jsii.String(NoAlarmEmail), nil)
	}
	namespace := p.Settings.MetricNamespace()
	action := awscloudwatchactions.NewSnsAction(topic)
	five := awscdk.Duration_Minutes(jsii.Number(5))

	deadLetters := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String(namespace),
		MetricName: jsii.String("DeadLetters"), Statistic: jsii.String("Sum"), Period: five})
	awslogs.NewMetricFilter(c, jsii.String("DeadLetterFilter"), &awslogs.MetricFilterProps{
		LogGroup:        p.Consumer.LogGroup(),
		FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.msg"), jsii.String("="), jsii.String("records rejected")),
		MetricNamespace: jsii.String(namespace), MetricName: jsii.String("DeadLetters"),
		MetricValue: jsii.String("$.rejected"), DefaultValue: jsii.Number(0)})
	offsetLag := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("AWS/Lambda"),
		MetricName: jsii.String("OffsetLag"), Statistic: jsii.String("Maximum"), Period: five,
		DimensionsMap: &map[string]*string{"FunctionName": p.Consumer.FunctionName()}})

	alarm := func(id, what string, metric awscloudwatch.IMetric, threshold float64, periods float64) awscloudwatch.Alarm {
		a := awscloudwatch.NewAlarm(c, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmDescription: jsii.String(what), Metric: metric, Threshold: jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(periods),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING})
		a.AddAlarmAction(action)
		return a
	}
	sum := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}
	alarm("ConsumerErrors", "The consumer failed a batch (S3 failing): the batch is retried, ingestion stalls meanwhile", p.Consumer.MetricErrors(sum), 1, 1)
	alarm("ProducerErrors", "The producer failed an invocation", p.Producer.MetricErrors(sum), 1, 1)
	alarm("TriggerErrors", "The crawlertrigger failed: a partition may wait for the next crawl", p.Trigger.MetricErrors(sum), 1, 2)
	alarm("OffsetLag", "The consumer is more than 100,000 records behind the topic for 15 minutes", offsetLag, 100000, 3)
	alarm("DeadLetters", "Records were rejected and written to the dead-letter prefix", deadLetters, 1, 1)
	alarm("AnalyticsFailed", "An analytics execution failed", p.StateMachine.MetricFailed(sum), 1, 1)
	alarm("CompactionFailed", "A compaction execution failed: an hour could not be compacted (its output names the hours and errors; "+
		"its live objects stay visible) or the cleanup of superseded objects failed; the next run tries again", p.Compaction.MetricFailed(sum), 1, 1)
	alarm("CompactionTimedOut", "A compaction execution timed out or was aborted", awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String("timedout + aborted"), Period: five, Label: jsii.String("timed out or aborted"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{"timedout": p.Compaction.MetricTimedOut(sum), "aborted": p.Compaction.MetricAborted(sum)}}), 1, 1)
	for _, name := range sortedKeys(p.FailureQueues) {
		q := p.FailureQueues[name]
		alarm(name, "A failed asynchronous invocation is waiting in "+name+" (see the README: re-drive)",
			q.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Maximum")}), 1, 1)
	}

	dash := awscloudwatch.NewDashboard(c, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3))})
	graph := func(title string, metrics ...awscloudwatch.IMetric) awscloudwatch.GraphWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Left: &metrics, Width: jsii.Number(8)})
	}
	dash.AddWidgets(
		awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{Width: jsii.Number(24), Height: jsii.Number(1),
			Markdown: jsii.String("**ticklake**: schedule → producer → MSK → consumer → S3 Parquet → crawlertrigger → Glue → Step Functions / Athena")}))
	dash.AddWidgets(
		graph("1. Producer: invocations and errors", p.Producer.MetricInvocations(sum), p.Producer.MetricErrors(sum)),
		graph("2. Consumer: invocations, errors, duration", p.Consumer.MetricInvocations(sum), p.Consumer.MetricErrors(sum), p.Consumer.MetricDuration(nil)),
		graph("3. Consumer: offset lag (records)", offsetLag))
	dash.AddWidgets(
		graph("4. Dead letters", deadLetters),
		graph("5. Crawlertrigger: invocations and errors", p.Trigger.MetricInvocations(sum), p.Trigger.MetricErrors(sum)),
		graph("6. Analytics executions", p.StateMachine.MetricSucceeded(sum), p.StateMachine.MetricFailed(sum)))
	dash.AddWidgets(
		graph("7. Compaction executions", p.Compaction.MetricSucceeded(sum), p.Compaction.MetricFailed(sum), p.Compaction.MetricTimedOut(sum)),
		graph("8. Compactor: invocations, errors, duration", p.Compactor.MetricInvocations(sum), p.Compactor.MetricErrors(sum),
			p.Compactor.MetricDuration(nil)))
	return Observability{AlarmTopic: topic}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
