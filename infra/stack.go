package main

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsathena"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsglue"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsmsk"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3notifications"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ticklake/ticklake/shared/analytics"
	"github.com/ticklake/ticklake/shared/schema"
)

// Functions are the zips the stack deploys, from make build.
var Functions = []string{"producer", "consumer", "crawlertrigger", "topicinit", "compactor"}

// TicklakeStackProps configure the stack.
type TicklakeStackProps struct {
	awscdk.StackProps
	Settings Settings
}

// TicklakeStack is the whole pipeline; its parts are exposed for tests.
type TicklakeStack struct {
	awscdk.Stack
	Settings     Settings
	Vpc          awsec2.Vpc
	ClusterArn   *string
	DataBucket   awss3.Bucket
	Results      awss3.Bucket
	Producer     awslambda.Function
	Consumer     awslambda.Function
	Trigger      awslambda.Function
	Crawler      awsglue.CfnCrawler
	WorkGroup    awsathena.CfnWorkGroup
	StateMachine StateMachineParts
	Schedule     awsscheduler.CfnSchedule
	// Compaction is the compactor, the compaction state machine and its schedule.
	Compaction Compaction
	// CompactionFailures keeps the compaction schedule's starts that could not be delivered.
	CompactionFailures awssqs.Queue
	// ProducerFailures and TriggerFailures keep the functions' failed asynchronous invocations.
	ProducerFailures awssqs.Queue
	TriggerFailures  awssqs.Queue
	// ConsumerSource is the event-source mapping.
	ConsumerSource awslambda.CfnEventSourceMapping
}

// NewTicklakeStack builds the pipeline: network, MSK (Serverless, or provisioned) and its topic, the data lake
// buckets, the three functions and their triggers, Glue, Athena, the analytics state machine and the
// alarms and dashboard.
func NewTicklakeStack(scope constructs.Construct, id string, props *TicklakeStackProps) *TicklakeStack {
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	s := props.Settings
	t := &TicklakeStack{Stack: stack, Settings: s}
	account, region, partition := stack.Account(), stack.Region(), stack.Partition()

	// Network: private subnets only, no NAT. The producer reaches MSK inside the VPC and S3 through a
	// gateway endpoint; the event-source mapping's pollers, which use the cluster's subnets and
	// security group, reach Lambda and STS through interface endpoints.
	flowLogs := awslogs.NewLogGroup(stack, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		Retention: retention(s.LogRetentionDays), RemovalPolicy: awscdk.RemovalPolicy_DESTROY})
	t.Vpc = awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:      jsii.Number(2), // the zones are chosen by zone ID below
		NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{
			Name: jsii.String("private"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)}},
		FlowLogs: &map[string]*awsec2.FlowLogOptions{"all": {
			Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
			TrafficType: awsec2.FlowLogTrafficType_REJECT}},
		GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{
			"S3": {Service: awsec2.GatewayVpcEndpointAwsService_S3()}},
	})
	PlaceSubnets(stack, t.Vpc, s.AvailabilityZoneIDs)
	clusterSG := awsec2.NewSecurityGroup(stack, jsii.String("KafkaSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc: t.Vpc, Description: jsii.String("MSK Serverless brokers and the pollers of the event-source mapping"), AllowAllOutbound: jsii.Bool(true)})
	clusterSG.AddIngressRule(clusterSG, awsec2.Port_Tcp(jsii.Number(9098)), jsii.String("pollers of the event-source mapping"), nil)
	clientSG := awsec2.NewSecurityGroup(stack, jsii.String("KafkaClientSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc: t.Vpc, Description: jsii.String("functions that produce to Kafka or manage its topic"), AllowAllOutbound: jsii.Bool(true)})
	clusterSG.AddIngressRule(clientSG, awsec2.Port_Tcp(jsii.Number(9098)), jsii.String("producer and topic setup, IAM over TLS"), nil)
	endpointSG := awsec2.NewSecurityGroup(stack, jsii.String("EndpointSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc: t.Vpc, Description: jsii.String("interface endpoints for the event-source mapping"), AllowAllOutbound: jsii.Bool(false)})
	endpointSG.AddIngressRule(clusterSG, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from the pollers"), nil)
	var pollerNeeds []constructs.IDependable // what the event-source mapping's pollers need before it starts
	for _, ep := range []struct {
		name string
		svc  awsec2.InterfaceVpcEndpointAwsService
	}{{"Lambda", awsec2.InterfaceVpcEndpointAwsService_LAMBDA()}, {"Sts", awsec2.InterfaceVpcEndpointAwsService_STS()}} {
		pollerNeeds = append(pollerNeeds, t.Vpc.AddInterfaceEndpoint(jsii.String(ep.name), &awsec2.InterfaceVpcEndpointOptions{
			Service: ep.svc, PrivateDnsEnabled: jsii.Bool(true), SecurityGroups: &[]awsec2.ISecurityGroup{endpointSG},
			Subnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}}))
	}
	// The security groups hold the rules (ingress rules between groups are resources of their own).
	pollerNeeds = append(pollerNeeds, clusterSG, endpointSG)

	// Kafka: MSK Serverless (the default) or a provisioned cluster, IAM authentication over TLS.
	subnets := t.Vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}).SubnetIds
	var clusterArn *string
	// The topic's replication factor, explicit: MSK Serverless requires 3; a provisioned cluster
	// has one broker per subnet, two.
	replication := 3
	if s.Kafka == KafkaProvisioned {
		replication = min(3, len(*subnets))
		brokerLogs := awslogs.NewLogGroup(stack, jsii.String("KafkaBrokerLogs"), &awslogs.LogGroupProps{
			Retention: retention(s.LogRetentionDays), RemovalPolicy: awscdk.RemovalPolicy_DESTROY})
		c := awsmsk.NewCfnCluster(stack, jsii.String("KafkaProvisioned"), &awsmsk.CfnClusterProps{
			ClusterName:         jsii.String(*stack.StackName() + "-kafka"),
			KafkaVersion:        jsii.String(s.KafkaVersion),
			NumberOfBrokerNodes: jsii.Number(float64(len(*subnets))),
			BrokerNodeGroupInfo: &awsmsk.CfnCluster_BrokerNodeGroupInfoProperty{
				ClientSubnets: subnets, InstanceType: jsii.String(s.BrokerType), SecurityGroups: &[]*string{clusterSG.SecurityGroupId()},
				StorageInfo: &awsmsk.CfnCluster_StorageInfoProperty{EbsStorageInfo: &awsmsk.CfnCluster_EBSStorageInfoProperty{
					VolumeSize: jsii.Number(float64(s.BrokerVolumeGB))}}},
			ClientAuthentication: &awsmsk.CfnCluster_ClientAuthenticationProperty{
				Sasl:            &awsmsk.CfnCluster_SaslProperty{Iam: &awsmsk.CfnCluster_IamProperty{Enabled: jsii.Bool(true)}},
				Unauthenticated: &awsmsk.CfnCluster_UnauthenticatedProperty{Enabled: jsii.Bool(false)}},
			EncryptionInfo: &awsmsk.CfnCluster_EncryptionInfoProperty{EncryptionInTransit: &awsmsk.CfnCluster_EncryptionInTransitProperty{
				ClientBroker: jsii.String("TLS"), InCluster: jsii.Bool(true)}},
			LoggingInfo: &awsmsk.CfnCluster_LoggingInfoProperty{BrokerLogs: &awsmsk.CfnCluster_BrokerLogsProperty{
				CloudWatchLogs: &awsmsk.CfnCluster_CloudWatchLogsProperty{Enabled: jsii.Bool(true), LogGroup: brokerLogs.LogGroupName()}}},
			EnhancedMonitoring: jsii.String("DEFAULT"),
		})
		clusterArn = c.AttrArn()
	} else {
		c := awsmsk.NewCfnServerlessCluster(stack, jsii.String("Kafka"), &awsmsk.CfnServerlessClusterProps{
			ClusterName: jsii.String(*stack.StackName() + "-kafka"),
			ClientAuthentication: &awsmsk.CfnServerlessCluster_ClientAuthenticationProperty{
				Sasl: &awsmsk.CfnServerlessCluster_SaslProperty{Iam: &awsmsk.CfnServerlessCluster_IamProperty{Enabled: jsii.Bool(true)}}},
			VpcConfigs: &[]*awsmsk.CfnServerlessCluster_VpcConfigProperty{{
				SubnetIds: subnets, SecurityGroups: &[]*string{clusterSG.SecurityGroupId()}}},
		})
		clusterArn = c.AttrArn()
	}
	t.ClusterArn = clusterArn
	kafkaArn := func(kind, name string) *string { // topic/group ARNs share the cluster's name and UUID
		parts := awscdk.Fn_Split(jsii.String("/"), clusterArn, jsii.Number(3))
		return awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("arn:"), partition, jsii.String(":kafka:"), region,
			jsii.String(":"), account, jsii.String(":" + kind + "/"), awscdk.Fn_Select(jsii.Number(1), parts), jsii.String("/"),
			awscdk.Fn_Select(jsii.Number(2), parts), jsii.String("/" + name)})
	}
	topicArn := kafkaArn("topic", s.Topic)
	const consumerGroup = "ticklake-consumer"
	groupArn := kafkaArn("group", consumerGroup)

	brokers := customresources.NewAwsCustomResource(stack, jsii.String("BootstrapBrokers"), &customresources.AwsCustomResourceProps{
		OnUpdate: &customresources.AwsSdkCall{
			Service: jsii.String("Kafka"), Action: jsii.String("getBootstrapBrokers"),
			Parameters:         map[string]any{"ClusterArn": clusterArn},
			PhysicalResourceId: customresources.PhysicalResourceId_Of(clusterArn),
			OutputPaths:        &[]*string{jsii.String("BootstrapBrokerStringSaslIam")},
		},
		Policy:              customresources.AwsCustomResourcePolicy_FromSdkCalls(&customresources.SdkCallsPolicyOptions{Resources: &[]*string{clusterArn}}),
		InstallLatestAwsSdk: jsii.Bool(false),
	})
	bootstrap := brokers.GetResponseField(jsii.String("BootstrapBrokerStringSaslIam"))

	// The topic, created at deployment by a function in the VPC, through the provider framework.
	topicInit := NewGoFunction(stack, "TopicInit", s, GoFunctionProps{Name: "topicinit",
		Description: "Creates the Kafka topic (custom resource)", MemoryMB: 256, Timeout: awscdk.Duration_Minutes(jsii.Number(2)),
		Env: map[string]*string{"KAFKA_AUTH": jsii.String("iam")}, Vpc: t.Vpc, SecurityGroup: clientSG})
	topicInit.AddToRolePolicy(statement([]string{"kafka-cluster:Connect"}, clusterArn))
	topicInit.AddToRolePolicy(statement([]string{"kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic", "kafka-cluster:AlterTopic"}, topicArn))
	provider := customresources.NewProvider(stack, jsii.String("TopicProvider"), &customresources.ProviderProps{
		OnEventHandler: topicInit, LogGroup: awslogs.NewLogGroup(stack, jsii.String("TopicProviderLogs"), &awslogs.LogGroupProps{
			Retention: retention(s.LogRetentionDays), RemovalPolicy: awscdk.RemovalPolicy_DESTROY})})
	topic := awscdk.NewCustomResource(stack, jsii.String("Topic"), &awscdk.CustomResourceProps{
		ServiceToken: provider.ServiceToken(), ResourceType: jsii.String("Custom::KafkaTopic"),
		Properties: &map[string]any{"Brokers": bootstrap, "Topic": s.Topic, "Partitions": strconv.Itoa(s.Partitions),
			"ReplicationFactor": strconv.Itoa(replication)}})

	// Buckets: the data lake, its access logs, and Athena's results.
	logsBucket := awss3.NewBucket(stack, jsii.String("AccessLogs"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(), Encryption: awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL: jsii.Bool(true), ObjectOwnership: awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED,
		LifecycleRules: &[]*awss3.LifecycleRule{{Expiration: awscdk.Duration_Days(jsii.Number(90))}},
		RemovalPolicy:  awscdk.RemovalPolicy_RETAIN})
	t.DataBucket = awss3.NewBucket(stack, jsii.String("Data"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(), Encryption: awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL: jsii.Bool(true), ServerAccessLogsBucket: logsBucket, ServerAccessLogsPrefix: jsii.String("data/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{Prefix: jsii.String(s.DLQPrefix), Expiration: awscdk.Duration_Days(jsii.Number(float64(s.DeadLetterDays)))}},
		RemovalPolicy:  awscdk.RemovalPolicy_RETAIN})
	t.Results = awss3.NewBucket(stack, jsii.String("AthenaResults"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(), Encryption: awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL: jsii.Bool(true), ServerAccessLogsBucket: logsBucket, ServerAccessLogsPrefix: jsii.String("athena-results/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{Expiration: awscdk.Duration_Days(jsii.Number(float64(s.ResultDays)))}},
		RemovalPolicy:  awscdk.RemovalPolicy_DESTROY, AutoDeleteObjects: jsii.Bool(true)})

	// The producer, in the VPC, run by EventBridge Scheduler, asynchronously: one at a time (reserved
	// concurrency 1), never retried (a retry would overlap the next run and send a replay's rows
	// twice), a failed run kept in a queue that raises an alarm.
	producerEnv := map[string]*string{
		"KAFKA_BROKERS": bootstrap, "KAFKA_TOPIC": jsii.String(s.Topic), "KAFKA_AUTH": jsii.String("iam"),
		"TICKS_PER_SECOND": jsii.String(strconv.Itoa(s.TicksPerSecond)), "RUN_SECONDS": jsii.String(strconv.Itoa(s.RunSeconds)),
		"SCHEDULE_SECONDS": jsii.String(strconv.Itoa(s.ScheduleMinutes * 60)),
		"TICK_SOURCE":      jsii.String(s.TickSource)}
	if s.ReplayURI != "" {
		producerEnv["REPLAY_URI"] = jsii.String(s.ReplayURI)
	}
	t.Producer = NewGoFunction(stack, "Producer", s, GoFunctionProps{Name: "producer",
		Description: "Sends market ticks to MSK", MemoryMB: 512, Timeout: awscdk.Duration_Seconds(jsii.Number(float64(s.RunSeconds + 10))),
		Env: producerEnv, Vpc: t.Vpc, SecurityGroup: clientSG, ReservedConcurrency: 1})
	t.Producer.Node().AddDependency(topic)
	t.Producer.AddToRolePolicy(statement([]string{"kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"}, clusterArn))
	t.Producer.AddToRolePolicy(statement([]string{"kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"}, topicArn))
	if s.ReplayURI != "" {
		t.Producer.AddToRolePolicy(statement([]string{"s3:GetObject"}, s3ObjectArn(partition, s.ReplayURI)))
	}
	t.ProducerFailures = NewFailureQueue(stack, "ProducerFailures")
	AsyncFailures(t.Producer, t.ProducerFailures, 0, awscdk.Duration_Minutes(jsii.Number(1)))
	t.Schedule = NewProducerSchedule(stack, "ProducerSchedule", ProducerScheduleProps{Settings: s, Producer: t.Producer,
		Failures: t.ProducerFailures})

	// The consumer, outside the VPC: the event-source mapping reaches MSK; the function only writes to S3.
	t.Consumer = NewGoFunction(stack, "Consumer", s, GoFunctionProps{Name: "consumer",
		Description: "Turns MSK batches into Parquet on S3", MemoryMB: 1024, Timeout: awscdk.Duration_Minutes(jsii.Number(2)),
		Env: map[string]*string{"DATA_BUCKET": t.DataBucket.BucketName(), "DATA_PREFIX": jsii.String(s.DataPrefix),
			"DLQ_PREFIX": jsii.String(s.DLQPrefix), schema.EnvFields: jsii.String(s.Fields.String())}})
	t.Consumer.AddToRolePolicy(statement([]string{"s3:PutObject"},
		t.DataBucket.ArnForObjects(jsii.String(s.DataPrefix+"*")), t.DataBucket.ArnForObjects(jsii.String(s.DLQPrefix+"*"))))
	t.Consumer.AddToRolePolicy(statement([]string{"kafka-cluster:Connect", "kafka-cluster:DescribeClusterDynamicConfiguration",
		"kafka:DescribeClusterV2", "kafka:GetBootstrapBrokers"}, clusterArn))
	t.Consumer.AddToRolePolicy(statement([]string{"kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"}, topicArn))
	t.Consumer.AddToRolePolicy(statement([]string{"kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"}, groupArn))
	t.Consumer.AddToRolePolicy(statement([]string{"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs",
		"ec2:DeleteNetworkInterface", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"}, jsii.String("*")))
	esm := awslambda.NewCfnEventSourceMapping(stack, jsii.String("ConsumerSource"), &awslambda.CfnEventSourceMappingProps{
		FunctionName:                   t.Consumer.FunctionArn(),
		EventSourceArn:                 clusterArn,
		Topics:                         &[]*string{jsii.String(s.Topic)},
		BatchSize:                      jsii.Number(float64(s.BatchSize)),
		MaximumBatchingWindowInSeconds: jsii.Number(float64(s.BatchWindowSeconds)),
		StartingPosition:               jsii.String(s.StartingPosition),
		AmazonManagedKafkaEventSourceConfig: &awslambda.CfnEventSourceMapping_AmazonManagedKafkaEventSourceConfigProperty{
			ConsumerGroupId: jsii.String(consumerGroup)},
	})
	esm.Node().AddDependency(topic, t.Consumer.Role())
	esm.Node().AddDependency(pollerNeeds...)
	t.ConsumerSource = esm

	// Glue: the database, and a crawler over the data prefix that keeps one table, partitioned by dt
	// and hour, and crawls new folders only.
	database := awsglue.NewCfnDatabase(stack, jsii.String("Database"), &awsglue.CfnDatabaseProps{
		CatalogId: account, DatabaseInput: &awsglue.CfnDatabase_DatabaseInputProperty{
			Name: jsii.String(s.Database), Description: jsii.String("ticklake: market ticks")}})
	catalogArn := arn(partition, region, account, "glue", "catalog")
	databaseArn := arn(partition, region, account, "glue", "database/"+s.Database)
	tableArn := arn(partition, region, account, "glue", "table/"+s.Database+"/"+analytics.Table)
	table := NewTicksTable(stack, "TicksTable", TicksTableProps{CatalogID: account, Database: s.Database,
		Table: analytics.Table, Location: jsii.String(fmt.Sprintf("s3://%s/%s", *t.DataBucket.BucketName(), s.DataPrefix)),
		Fields: s.Fields})
	table.AddDependency(database)
	crawlerRole := awsiam.NewRole(stack, jsii.String("CrawlerRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("glue.amazonaws.com"), nil),
		Description: jsii.String("The ticklake crawler: reads the data prefix, writes the ticks table")})
	// AWS's scoped-down crawler policy, narrowed to the data: the bucket's location and listing
	// (under the data prefix), its objects, the catalog, and the crawler's own logs.
	crawlerRole.AddToPolicy(statement([]string{"s3:GetObject"}, t.DataBucket.ArnForObjects(jsii.String(s.DataPrefix+"*"))))
	crawlerRole.AddToPolicy(statement([]string{"s3:GetBucketLocation", "s3:GetBucketAcl"}, t.DataBucket.BucketArn()))
	crawlerRole.AddToPolicy(statement([]string{"iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies"}, crawlerRole.RoleArn()))
	crawlerRole.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("s3:ListBucket"), Resources: &[]*string{t.DataBucket.BucketArn()},
		Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": []string{s.DataPrefix, s.DataPrefix + "*"}}}}))
	// The table is code (TicksTable) and the crawler logs schema changes instead of making them: it
	// reads the table and adds partitions, and may neither create a table nor change this one.
	crawlerRole.AddToPolicy(statement([]string{"glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition", "glue:CreatePartition",
		"glue:BatchCreatePartition", "glue:UpdatePartition", "glue:BatchUpdatePartition", "glue:CreatePartitionIndex"},
		catalogArn, databaseArn, tableArn))
	crawlerLogs := arn(partition, region, account, "logs", "log-group:/aws-glue/crawlers:*")
	crawlerRole.AddToPolicy(statement([]string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}, crawlerLogs))
	t.Crawler = awsglue.NewCfnCrawler(stack, jsii.String("Crawler"), &awsglue.CfnCrawlerProps{
		Role:         crawlerRole.RoleArn(),
		DatabaseName: jsii.String(s.Database),
		Description:  jsii.String("Catalogs the ticks table and its dt/hour partitions"),
		Targets: &awsglue.CfnCrawler_TargetsProperty{S3Targets: &[]*awsglue.CfnCrawler_S3TargetProperty{{
			Path:       jsii.String(fmt.Sprintf("s3://%s/%s", *t.DataBucket.BucketName(), s.DataPrefix)),
			Exclusions: jsii.Strings("**_$folder$", "**/_*", "**.json", "**.jsonl", "**.csv", "**.tmp", "**.crc")}}},
		RecrawlPolicy: &awsglue.CfnCrawler_RecrawlPolicyProperty{RecrawlBehavior: jsii.String("CRAWL_NEW_FOLDERS_ONLY")},
		// The table is code (TicksTable): this incremental crawler of the table's location only adds
		// new folders as partitions, inheriting the table's schema, and never changes the table
		// (crawling new folders only requires a logging-only schema change policy).
		SchemaChangePolicy: &awsglue.CfnCrawler_SchemaChangePolicyProperty{
			UpdateBehavior: jsii.String("LOG"), DeleteBehavior: jsii.String("LOG")},
		Configuration: jsii.String(`{"Version":1.0,"Grouping":{"TableGroupingPolicy":"CombineCompatibleSchemas","TableLevelConfiguration":2},` +
			`"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"}},"CreatePartitionIndex":true}`),
	})
	t.Crawler.Node().AddDependency(database, table)
	crawlerArn := arn(partition, region, account, "glue", "crawler/"+*t.Crawler.Ref())

	// The crawlertrigger, on new Parquet objects under the data prefix.
	t.Trigger = NewGoFunction(stack, "CrawlerTrigger", s, GoFunctionProps{Name: "crawlertrigger",
		Description: "Starts the Glue crawler for new partitions", MemoryMB: 128, Timeout: awscdk.Duration_Minutes(jsii.Number(5)),
		Env: map[string]*string{"CRAWLER_NAME": t.Crawler.Ref(), "DATA_PREFIX": jsii.String(s.DataPrefix),
			"GLUE_DATABASE": jsii.String(s.Database), "GLUE_TABLE": jsii.String(analytics.Table)}})
	t.Trigger.AddToRolePolicy(statement([]string{"glue:StartCrawler"}, crawlerArn))
	t.Trigger.AddToRolePolicy(statement([]string{"glue:GetPartition"}, catalogArn, databaseArn, tableArn))
	// S3 invokes it asynchronously: after Lambda's two retries a failing event goes to a queue,
	// with an alarm, to be re-driven (see the README).
	t.TriggerFailures = NewFailureQueue(stack, "CrawlerTriggerFailures")
	AsyncFailures(t.Trigger, t.TriggerFailures, 2, awscdk.Duration_Hours(jsii.Number(6)))
	t.DataBucket.AddEventNotification(awss3.EventType_OBJECT_CREATED, awss3notifications.NewLambdaDestination(t.Trigger),
		&awss3.NotificationKeyFilter{Prefix: jsii.String(s.DataPrefix), Suffix: jsii.String(".parquet")})

	// Athena: an engine 3 workgroup with enforced, encrypted results and a scan cutoff, and the
	// analytics as named queries.
	t.WorkGroup = awsathena.NewCfnWorkGroup(stack, jsii.String("WorkGroup"), &awsathena.CfnWorkGroupProps{
		Name:                  jsii.String(*stack.StackName() + "-analytics"),
		Description:           jsii.String("ticklake analytics"),
		RecursiveDeleteOption: jsii.Bool(true),
		WorkGroupConfiguration: &awsathena.CfnWorkGroup_WorkGroupConfigurationProperty{
			EnforceWorkGroupConfiguration:   jsii.Bool(true),
			PublishCloudWatchMetricsEnabled: jsii.Bool(true),
			BytesScannedCutoffPerQuery:      jsii.Number(float64(s.BytesScannedCutoff)),
			EngineVersion: &awsathena.CfnWorkGroup_EngineVersionProperty{
				SelectedEngineVersion: jsii.String("Athena engine version 3")},
			ResultConfiguration: &awsathena.CfnWorkGroup_ResultConfigurationProperty{
				OutputLocation: jsii.String(fmt.Sprintf("s3://%s/results/", *t.Results.BucketName())),
				EncryptionConfiguration: &awsathena.CfnWorkGroup_EncryptionConfigurationProperty{
					EncryptionOption: jsii.String("SSE_S3")}},
		},
	})
	for _, q := range analytics.All() {
		nq := awsathena.NewCfnNamedQuery(stack, jsii.String("Query"+camel(q.Name)), &awsathena.CfnNamedQueryProps{
			Name: jsii.String(q.Name), Description: jsii.String(truncate(q.Description, 1024)),
			Database: jsii.String(s.Database), WorkGroup: t.WorkGroup.Ref(), QueryString: jsii.String(q.SQL)})
		nq.Node().AddDependency(t.WorkGroup)
	}

	t.StateMachine = NewAnalyticsStateMachine(stack, "Analytics", StateMachineProps{Settings: s, Crawler: t.Crawler.Ref(),
		CrawlerArn: crawlerArn, WorkGroup: t.WorkGroup.Ref(), Results: t.Results, DataBucket: t.DataBucket,
		WorkGroupArn:   arn(partition, region, account, "athena", "workgroup/"+*t.WorkGroup.Ref()),
		DataCatalogArn: arn(partition, region, account, "athena", "datacatalog/AwsDataCatalog"),
		CatalogArns:    []*string{catalogArn, databaseArn, tableArn}})

	t.CompactionFailures = NewFailureQueue(stack, "CompactionScheduleFailures")
	t.Compaction = NewCompaction(stack, "Compaction", CompactionProps{Settings: s, DataBucket: t.DataBucket,
		CatalogArns: []*string{catalogArn, databaseArn, tableArn}, Failures: t.CompactionFailures})

	if s.LakeFormation {
		NewLakeFormationGrants(stack, "LakeFormation", LakeFormationProps{Database: jsii.String(s.Database), DependsOn: database,
			Grants: []LakeFormationGrant{
				{ID: "Crawler", Role: crawlerRole, Database: []string{"DESCRIBE", "ALTER"},
					Tables: []string{"DESCRIBE", "SELECT", "ALTER", "INSERT"}, DataAccess: true},
				{ID: "CrawlerTrigger", Role: t.Trigger.Role(), Database: []string{"DESCRIBE"}, Tables: []string{"DESCRIBE", "SELECT"}},
				{ID: "Analytics", Role: t.StateMachine.StateMachine.Role(), Database: []string{"DESCRIBE"}, Tables: []string{"DESCRIBE", "SELECT"},
					DataAccess: true},
				{ID: "Compactor", Role: t.Compaction.Function.Role(), Database: []string{"DESCRIBE"}, Tables: []string{"DESCRIBE", "SELECT", "ALTER"}},
			}})
	}

	obs := NewObservability(stack, "Observability", ObservabilityProps{Settings: s, Producer: t.Producer, Consumer: t.Consumer,
		Trigger: t.Trigger, StateMachine: t.StateMachine.StateMachine, Compactor: t.Compaction.Function,
		Compaction: t.Compaction.StateMachine,
		FailureQueues: map[string]awssqs.IQueue{"ProducerFailures": t.ProducerFailures, "CrawlerTriggerFailures": t.TriggerFailures,
			"CompactionScheduleFailures": t.CompactionFailures}})

	output(stack, "DataBucketName", t.DataBucket.BucketName())
	output(stack, "ResultsBucketName", t.Results.BucketName())
	output(stack, "StateMachineArn", t.StateMachine.StateMachine.StateMachineArn())
	output(stack, "WorkGroupName", t.WorkGroup.Ref())
	output(stack, "CrawlerName", t.Crawler.Ref())
	output(stack, "ClusterArn", clusterArn)
	output(stack, "GlueDatabase", jsii.String(s.Database))
	output(stack, "CrawlerTriggerFunctionName", t.Trigger.FunctionName())
	output(stack, "CrawlerTriggerFailuresQueueUrl", t.TriggerFailures.QueueUrl())
	output(stack, "ProducerFailuresQueueUrl", t.ProducerFailures.QueueUrl())
	output(stack, "AlarmTopicArn", obs.AlarmTopic.TopicArn())
	output(stack, "CompactionStateMachineArn", t.Compaction.StateMachine.StateMachineArn())
	output(stack, "CompactorFunctionName", t.Compaction.Function.FunctionName())
	return t
}

func output(stack awscdk.Stack, id string, value *string) {
	awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value})
}

// statement allows actions on resources.
func statement(actions []string, resources ...*string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings(actions...), Resources: &resources})
}

// arn builds an ARN of this account and region.
func arn(partition, region, account *string, service, resource string) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("arn:"), partition, jsii.String(":" + service + ":"), region,
		jsii.String(":"), account, jsii.String(":" + resource)})
}

// s3ObjectArn turns s3://bucket/key into the object's ARN.
func s3ObjectArn(partition *string, uri string) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("arn:"), partition, jsii.String(":s3:::" + uri[len("s3://"):])})
}

func camel(name string) string {
	out := []byte{}
	up := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '_' {
			up = true
			continue
		}
		if up && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		out = append(out, c)
	}
	return string(out)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
