package main

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Reasons for the cdk-nag findings that are accepted. Each names what the wildcard or managed policy
// reaches and why nothing narrower works.
const (
	reasonXRay = "X-Ray's PutTraceSegments and PutTelemetryRecords (and the sampling reads) do not support " +
		"resource-level permissions, so tracing needs Resource *; no data is readable through them."
	reasonENI = "Lambda manages the network interfaces of VPC functions (and the MSK event-source mapping's pollers) " +
		"at run time; their IDs do not exist at deployment, and the EC2 Describe actions do not support resource-level permissions."
	reasonSFNLogs = "Step Functions vends its logs to CloudWatch through log deliveries, whose actions " +
		"(CreateLogDelivery, PutResourcePolicy, DescribeLogGroups, ...) require Resource * (see the Step Functions logging guide)."
	reasonPrefix = "Scoped to one key prefix the role owns (ticks/, dlq/, compacted/ or results/): object keys under it are created at run " +
		"time, one per batch and hour, so they cannot be listed in advance."
	reasonCrawlerLogs = "The Glue crawler writes log streams, created at run time, in the fixed log group /aws-glue/crawlers; " +
		"the grant is limited to that group."
	reasonProviderInvoke = "The CDK provider framework invokes the topicinit function, and any of its versions (ARN:*); " +
		"it reaches no other function."
	reasonFrameworkRole = "A helper Lambda that CDK creates for a custom resource (bucket notifications, the bootstrap-broker " +
		"lookup, the topic provider). AWSLambdaBasicExecutionRole only lets it write its own CloudWatch logs; the construct " +
		"offers no way to replace that managed policy."
	reasonCrawlerEncryption = "The crawler's logs hold table names, partition values and S3 paths, never tick data, and " +
		"CloudWatch Logs encrypts them at rest; a KMS security configuration would add a key and its policy for no " +
		"confidentiality gain."
	reasonFailureQueue = "This queue is itself where failed asynchronous invocations end (a Lambda on-failure destination " +
		"and the schedule's dead-letter queue); its messages are read and re-driven by hand and an alarm fires on the first one, " +
		"so a further dead-letter queue would only hide them."
	reasonLakeFormation = "lakeformation:GetDataAccess does not support resource-level permissions; Lake Formation itself " +
		"decides, from its grants on this database's tables, what data the credentials it vends may read."
	reasonSFNLogLevel = "The state machine logs errors only by default, without execution data, because its execution data " +
		"carries query results; every step of every execution stays in the execution history and the X-Ray traces, and " +
		"ticklake:state-machine-log-level=ALL (with ticklake:log-execution-data) turns full logging on."
	reasonCompactor = "The compactor reads and deletes live objects under the data prefix, and writes its compacted objects, " +
		"manifests, lock objects and pending markers under the compacted prefix, all keyed by hour and run at run time."
	reasonEC23 = "The rule cannot evaluate an ingress rule whose source is a security group reference. The group admits " +
		"HTTPS only from the MSK cluster's security group, never from an address range."
)

// Suppress records the cdk-nag findings that are accepted, each with its reason.
func Suppress(t *TicklakeStack) {
	stack := t.Stack
	path := func(p string) string { return "/" + *stack.StackName() + "/" + p }
	by := func(p string, rules ...*cdknag.NagPackSuppression) {
		cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack, jsii.String(path(p)), &rules, jsii.Bool(true))
	}
	rule := func(id, reason string, appliesTo ...string) *cdknag.NagPackSuppression {
		s := &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
		if len(appliesTo) > 0 {
			list := make([]interface{}, len(appliesTo))
			for i, a := range appliesTo {
				list[i] = a
			}
			s.AppliesTo = &list
		}
		return s
	}
	star := "Resource::*"
	for _, fn := range []string{"ProducerRole", "TopicInitRole"} {
		by(fn, rule("AwsSolutions-IAM5", reasonXRay+" "+reasonENI, star))
	}
	by("ConsumerRole", rule("AwsSolutions-IAM5", reasonXRay+" "+reasonENI+" "+reasonPrefix, star,
		"Resource::<"+logicalID(t.DataBucket.Node().DefaultChild())+".Arn>/ticks/*",
		"Resource::<"+logicalID(t.DataBucket.Node().DefaultChild())+".Arn>/dlq/*"))
	by("CrawlerTriggerRole", rule("AwsSolutions-IAM5", reasonXRay, star))
	by("CompactorRole", rule("AwsSolutions-IAM5", reasonXRay+" "+reasonPrefix+" "+reasonCompactor, star,
		"Resource::<"+logicalID(t.DataBucket.Node().DefaultChild())+".Arn>/"+t.Settings.DataPrefix+"*",
		"Resource::<"+logicalID(t.DataBucket.Node().DefaultChild())+".Arn>/"+t.Settings.CompactedPrefix+"*"))
	by("Compaction/StateMachine/Role", rule("AwsSolutions-IAM5", reasonXRay+" "+reasonSFNLogs, star))
	by("Analytics/StateMachine/Role", rule("AwsSolutions-IAM5", reasonXRay+" "+reasonSFNLogs+" "+reasonPrefix, star,
		"Resource::<"+logicalID(t.DataBucket.Node().DefaultChild())+".Arn>/ticks/*",
		"Resource::<"+logicalID(t.DataBucket.Node().DefaultChild())+".Arn>/"+t.Settings.CompactedPrefix+"*",
		"Resource::<"+logicalID(t.Results.Node().DefaultChild())+".Arn>/results/*"))
	by("CrawlerRole", rule("AwsSolutions-IAM5", reasonPrefix+" "+reasonCrawlerLogs,
		"Resource::<"+logicalID(t.DataBucket.Node().DefaultChild())+".Arn>/ticks/*",
		"Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws-glue/crawlers:*"))
	by("TopicProvider/framework-onEvent", rule("AwsSolutions-IAM4", reasonFrameworkRole),
		rule("AwsSolutions-IAM5", reasonProviderInvoke), rule("AwsSolutions-L1", reasonFrameworkRole))
	by("Crawler", rule("AwsSolutions-GL1", reasonCrawlerEncryption))
	by("EndpointSecurityGroup", rule("CdkNagValidationFailure", reasonEC23))
	for _, q := range []string{"ProducerFailures", "CrawlerTriggerFailures", "CompactionScheduleFailures"} {
		by(q, rule("AwsSolutions-SQS3", reasonFailureQueue))
	}
	if t.Settings.StateMachineLogLevel != "ALL" {
		by("Analytics/StateMachine/Resource", rule("AwsSolutions-SF1", reasonSFNLogLevel))
	}
	if t.Settings.LakeFormation {
		for _, role := range []string{"CrawlerRole", "Analytics/StateMachine/Role"} {
			by(role, rule("AwsSolutions-IAM5", reasonLakeFormation, star))
		}
	}
	// CDK's singleton helpers: the bucket notifications handler and the AwsCustomResource function.
	for _, c := range *stack.Node().Children() {
		if id := *c.Node().Id(); strings.HasPrefix(id, "BucketNotificationsHandler") || strings.HasPrefix(id, "AWS679f53fac002430cb0da5b7982bd2287") {
			by(id, rule("AwsSolutions-IAM4", reasonFrameworkRole), rule("AwsSolutions-L1", reasonFrameworkRole))
		}
	}
}

// logicalID returns a CloudFormation resource's logical ID, as cdk-nag prints it in findings.
func logicalID(c interface{}) string {
	return *awscdk.Stack_Of(c.(awscdk.CfnResource)).GetLogicalId(c.(awscdk.CfnResource))
}
