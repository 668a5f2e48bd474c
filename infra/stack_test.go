package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/ticklake/ticklake/shared/analytics"
	"github.com/ticklake/ticklake/shared/compactor"
)

var update = flag.Bool("update", false, "rewrite shared/analytics/*.asl.json from the synthesized template")

// synthesized is the stack, built once for every test: synthesis takes seconds.
var synthesized struct {
	once     sync.Once
	stack    *TicklakeStack
	template assertions.Template
	raw      map[string]any
	err      error
}

func synth(t *testing.T) (*TicklakeStack, assertions.Template, map[string]any) {
	t.Helper()
	s := &synthesized
	s.once.Do(func() { s.stack, s.template, s.raw, s.err = synthesize(nil) })
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.stack, s.template, s.raw
}

// synthesize builds the app with extra context, from stand-ins for make build's zips (synthesis only
// hashes them).
func synthesize(context map[string]any) (st *TicklakeStack, tpl assertions.Template, raw map[string]any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesis panicked: %v", r)
		}
	}()
	assets, err := os.MkdirTemp("", "ticklake-assets")
	if err != nil {
		return nil, nil, nil, err
	}
	for _, fn := range Functions {
		if err := writeZip(filepath.Join(assets, fn+".zip")); err != nil {
			return nil, nil, nil, err
		}
	}
	ctx := map[string]any{"ticklake:asset-dir": assets}
	for k, v := range context {
		ctx[k] = v
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
	if err := build(app); err != nil {
		return nil, nil, nil, err
	}
	var stack awscdk.Stack
	for _, c := range *app.Node().Children() {
		if st, ok := c.(awscdk.Stack); ok {
			stack = st
		}
	}
	tpl = assertions.Template_FromStack(stack, nil)
	b, _ := json.Marshal(tpl.ToJSON())
	err = json.Unmarshal(b, &raw)
	return &TicklakeStack{Stack: stack}, tpl, raw, err
}

func writeZip(path string) error {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("bootstrap")
	_, _ = w.Write([]byte("stand-in"))
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// check runs an assertion, turning its panic into a test failure.
func check(t *testing.T, what string, assert func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	assert()
}

func props(m map[string]any) *map[string]any { return &m }

func TestResources(t *testing.T) {
	_, tpl, _ := synth(t)
	count := func(typ string, n float64) {
		check(t, typ, func() { tpl.ResourceCountIs(jsii.String(typ), jsii.Number(n)) })
	}
	count("AWS::MSK::ServerlessCluster", 1)
	count("AWS::Lambda::EventSourceMapping", 1)
	count("AWS::Glue::Crawler", 1)
	count("AWS::Athena::WorkGroup", 1)
	count("AWS::Athena::NamedQuery", float64(len(analytics.All())))
	count("AWS::StepFunctions::StateMachine", 2)
	count("AWS::EC2::NatGateway", 0)
	count("AWS::CloudWatch::Alarm", 11)
	count("AWS::Scheduler::Schedule", 2)
	count("AWS::Events::Rule", 0)
	count("AWS::SQS::Queue", 3)
	count("AWS::LakeFormation::PrincipalPermissions", 0)
	count("AWS::CloudWatch::Dashboard", 1)

	has := func(what, typ string, p map[string]any) {
		check(t, what, func() { tpl.HasResourceProperties(jsii.String(typ), props(p)) })
	}
	has("MSK Serverless with IAM", "AWS::MSK::ServerlessCluster", map[string]any{
		"ClientAuthentication": map[string]any{"Sasl": map[string]any{"Iam": map[string]any{"Enabled": true}}}})
	for _, ep := range []string{"lambda", "sts"} {
		has("interface endpoint "+ep, "AWS::EC2::VPCEndpoint", map[string]any{
			"VpcEndpointType": "Interface", "PrivateDnsEnabled": true,
			"ServiceName": map[string]any{"Fn::Join": []any{"", []any{"com.amazonaws.", map[string]any{"Ref": "AWS::Region"}, "." + ep}}}})
	}
	has("S3 gateway endpoint", "AWS::EC2::VPCEndpoint", map[string]any{"VpcEndpointType": "Gateway"})
	for _, fn := range []string{"producer", "consumer", "crawlertrigger", "topicinit", "compactor"} {
		has("function "+fn, "AWS::Lambda::Function", map[string]any{
			"Runtime": "provided.al2023", "Architectures": []string{"arm64"}, "Handler": "bootstrap",
			"LoggingConfig": map[string]any{"LogFormat": "JSON"}, "TracingConfig": map[string]any{"Mode": "Active"},
			"Description": assertions.Match_AnyValue()})
	}
	has("producer in the VPC", "AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
			"KAFKA_AUTH": "iam", "KAFKA_TOPIC": "ticks", "TICKS_PER_SECOND": "100", "RUN_SECONDS": "50", "SCHEDULE_SECONDS": "60", "TICK_SOURCE": "sim"})},
		"VpcConfig": assertions.Match_ObjectLike(&map[string]any{"SubnetIds": assertions.Match_AnyValue()})})
	has("consumer environment", "AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{"DATA_BUCKET": assertions.Match_AnyValue(),
			"DATA_PREFIX": "ticks/", "DLQ_PREFIX": "dlq/"}}})
	has("event-source mapping", "AWS::Lambda::EventSourceMapping", map[string]any{
		"Topics": []string{"ticks"}, "BatchSize": 10000, "MaximumBatchingWindowInSeconds": 60, "StartingPosition": "TRIM_HORIZON",
		"AmazonManagedKafkaEventSourceConfig": map[string]any{"ConsumerGroupId": "ticklake-consumer"}})
	has("schedule", "AWS::Scheduler::Schedule", map[string]any{"ScheduleExpression": "rate(1 minute)", "State": "ENABLED",
		"FlexibleTimeWindow": map[string]any{"Mode": "OFF"}})
	has("compaction schedule", "AWS::Scheduler::Schedule", map[string]any{"ScheduleExpression": "cron(20 * * * ? *)",
		"ScheduleExpressionTimezone": "UTC", "State": "ENABLED", "FlexibleTimeWindow": map[string]any{"Mode": "OFF"},
		"Target": assertions.Match_ObjectLike(&map[string]any{"Input": "{}", "DeadLetterConfig": assertions.Match_AnyValue()})})
	has("compactor environment", "AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{"DATA_PREFIX": "ticks/",
			"COMPACTED_PREFIX": "compacted/", "GLUE_DATABASE": "ticklake", "GLUE_TABLE": "ticks", "LATENESS": "15m0s", "GRACE": "2h0m0s",
			"MAX_OBJECT_BYTES": "536870912", "ROW_GROUP_BYTES": "134217728", "LOCK_LEASE": "20m0s"})},
		"Timeout": 900})
	has("topic custom resource", "Custom::KafkaTopic", map[string]any{"Topic": "ticks", "Partitions": "6", "ReplicationFactor": "3"})
	has("data bucket", "AWS::S3::Bucket", map[string]any{
		"BucketEncryption":               map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}}}},
		"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		"LoggingConfiguration":           assertions.Match_ObjectLike(&map[string]any{"LogFilePrefix": "data/"}),
		"LifecycleConfiguration":         map[string]any{"Rules": []any{map[string]any{"Prefix": "dlq/", "ExpirationInDays": 30, "Status": "Enabled"}}}})
	has("results expire", "AWS::S3::Bucket", map[string]any{
		"LifecycleConfiguration": map[string]any{"Rules": []any{map[string]any{"ExpirationInDays": 7, "Status": "Enabled"}}}})
	has("SSL only", "AWS::S3::BucketPolicy", map[string]any{"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
		assertions.Match_ObjectLike(&map[string]any{"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}})})}})
	has("notification filter", "Custom::S3BucketNotifications", map[string]any{"NotificationConfiguration": map[string]any{
		"LambdaFunctionConfigurations": []any{map[string]any{"Events": []string{"s3:ObjectCreated:*"},
			"Filter": map[string]any{"Key": map[string]any{"FilterRules": []any{
				map[string]any{"Name": "suffix", "Value": ".parquet"}, map[string]any{"Name": "prefix", "Value": "ticks/"}}}},
			"LambdaFunctionArn": assertions.Match_AnyValue()}}}})
	has("crawler", "AWS::Glue::Crawler", map[string]any{
		"RecrawlPolicy":      map[string]any{"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
		"SchemaChangePolicy": map[string]any{"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
		"Configuration":      assertions.Match_StringLikeRegexp(jsii.String(`"TableGroupingPolicy":"CombineCompatibleSchemas","TableLevelConfiguration":2`)),
		"DatabaseName":       "ticklake"})
	has("workgroup", "AWS::Athena::WorkGroup", map[string]any{"WorkGroupConfiguration": map[string]any{
		"EnforceWorkGroupConfiguration": true, "BytesScannedCutoffPerQuery": float64(10 << 30),
		"PublishCloudWatchMetricsEnabled": true,
		"EngineVersion":                   map[string]any{"SelectedEngineVersion": "Athena engine version 3"},
		"ResultConfiguration": map[string]any{"EncryptionConfiguration": map[string]any{"EncryptionOption": "SSE_S3"},
			"OutputLocation": assertions.Match_AnyValue()}}})
	for _, q := range analytics.All() {
		has("named query "+q.Name, "AWS::Athena::NamedQuery", map[string]any{"Name": q.Name, "QueryString": q.SQL, "Database": "ticklake"})
	}
	has("state machine logging and tracing", "AWS::StepFunctions::StateMachine", map[string]any{
		"TracingConfiguration": map[string]any{"Enabled": true},
		"LoggingConfiguration": assertions.Match_ObjectLike(&map[string]any{"Level": "ERROR", "IncludeExecutionData": false})})
	has("alarm topic encrypted", "AWS::SNS::Topic", map[string]any{"KmsMasterKeyId": assertions.Match_AnyValue()})
	for _, out := range []string{"DataBucketName", "ResultsBucketName", "StateMachineArn", "WorkGroupName", "CrawlerName", "ClusterArn",
		"CompactionStateMachineArn", "CompactorFunctionName"} {
		check(t, "output "+out, func() { tpl.HasOutput(jsii.String(out), props(map[string]any{})) })
	}
}

// TestNag checks that cdk-nag's AWS Solutions rules report no unsuppressed error or warning, and
// that each suppression carries a reason.
func TestNag(t *testing.T) {
	stack, _, raw := synth(t)
	for _, level := range []string{"Error", "Warning"} {
		find := assertions.Annotations_FromStack(stack.Stack).FindError
		if level == "Warning" {
			find = assertions.Annotations_FromStack(stack.Stack).FindWarning
		}
		found := find(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*|CdkNag.*")))
		for _, f := range *found {
			t.Errorf("cdk-nag %s at %s: %v", level, *f.Id, f.Entry.Data)
		}
	}
	n := 0
	for id, r := range raw["Resources"].(map[string]any) {
		md, _ := r.(map[string]any)["Metadata"].(map[string]any)
		nag, _ := md["cdk_nag"].(map[string]any)
		rules, _ := nag["rules_to_suppress"].([]any)
		for _, rule := range rules {
			reason, _ := rule.(map[string]any)["reason"].(string)
			if len(reason) < 60 {
				t.Errorf("%s: suppression %v has no convincing reason", id, rule)
			}
			n++
		}
	}
	if n == 0 {
		t.Error("no suppressions found: the check would not notice them")
	}
	_ = cdknag.NagPackSuppression{}
}

// needsStar lists the actions that AWS grants only on Resource "*".
var needsStar = map[string]bool{
	"xray:PutTraceSegments": true, "xray:PutTelemetryRecords": true, "xray:GetSamplingRules": true, "xray:GetSamplingTargets": true,
	"ec2:CreateNetworkInterface": true, "ec2:DescribeNetworkInterfaces": true, "ec2:DeleteNetworkInterface": true,
	"ec2:DescribeSubnets": true, "ec2:DescribeSecurityGroups": true, "ec2:DescribeVpcs": true,
	"ec2:AssignPrivateIpAddresses": true, "ec2:UnassignPrivateIpAddresses": true,
	"logs:CreateLogDelivery": true, "logs:GetLogDelivery": true, "logs:UpdateLogDelivery": true, "logs:DeleteLogDelivery": true,
	"logs:ListLogDeliveries": true, "logs:PutResourcePolicy": true, "logs:DescribeResourcePolicies": true, "logs:DescribeLogGroups": true,
	"lakeformation:GetDataAccess": true,
}

// TestIAMScoping fails on any statement that allows every action, or that allows an action on every
// resource where AWS supports a narrower one.
func TestIAMScoping(t *testing.T) {
	_, _, raw := synth(t)
	statements := 0
	for id, r := range raw["Resources"].(map[string]any) {
		res := r.(map[string]any)
		p, _ := res["Properties"].(map[string]any)
		var docs []any
		switch res["Type"] {
		case "AWS::IAM::Policy":
			docs = append(docs, p["PolicyDocument"])
		case "AWS::IAM::Role":
			for _, pol := range asList(p["Policies"]) {
				docs = append(docs, pol.(map[string]any)["PolicyDocument"])
			}
		}
		for _, d := range docs {
			for _, st := range asList(d.(map[string]any)["Statement"]) {
				st := st.(map[string]any)
				if st["Effect"] != "Allow" {
					continue
				}
				statements++
				actions := asList(st["Action"])
				for _, a := range actions {
					if s, _ := a.(string); s == "*" || strings.HasSuffix(s, ":*") {
						t.Errorf("%s allows every action: %v", id, a)
					}
				}
				for _, rsc := range asList(st["Resource"]) {
					if rsc != "*" {
						continue
					}
					for _, a := range actions {
						if !needsStar[a.(string)] {
							t.Errorf("%s allows %s on every resource", id, a)
						}
					}
				}
			}
		}
	}
	if statements < 20 {
		t.Fatalf("only %d statements read", statements)
	}
}

func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// plainNames resolves the tokens of the synthesized definition to the names the local twin uses.
var plainNames = map[string]string{"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "000000000000",
	"AWS::URLSuffix": "amazonaws.com"}

// localNames are the physical names of resources whose names CloudFormation generates.
var localNames = map[string]string{"AWS::Glue::Crawler": "ticklake-crawler", "AWS::Athena::WorkGroup": "ticklake-analytics"}

// localFunctions are the local twin's names of the functions a definition invokes, by description.
var localFunctions = map[string]string{
	`"Compacts each closed hour of the lake into one sorted, deduplicated Parquet object"`: "compactor"}

// definition returns the definition of the state machine whose logical ID starts with prefix,
// with plain names for its tokens, indented as checked in.
func definition(t *testing.T, raw map[string]any, prefix string) []byte {
	t.Helper()
	resources := raw["Resources"].(map[string]any)
	var def string
	for id, r := range resources {
		if r.(map[string]any)["Type"] == "AWS::StepFunctions::StateMachine" && strings.HasPrefix(id, prefix) {
			def = resolve(t, r.(map[string]any)["Properties"].(map[string]any)["DefinitionString"], resources)
		}
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, []byte(def), "", "  "); err != nil {
		t.Fatalf("%s definition is not JSON: %v", prefix, err)
	}
	pretty.WriteByte('\n')
	return pretty.Bytes()
}

// golden compares got with the checked-in file (rewritten with -update).
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./infra -run TestStateMachineDefinition -update)", err)
	}
	if !bytes.Equal(want, got) {
		t.Fatalf("%s is out of date: run go test ./infra -run 'TestStateMachineDefinition|TestCompactionDefinition' -update", path)
	}
}

func resolve(t *testing.T, v any, resources map[string]any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok {
			if s, ok := plainNames[ref]; ok {
				return s
			}
			typ, _ := resources[ref].(map[string]any)["Type"].(string)
			if s, ok := localNames[typ]; ok {
				return s
			}
			t.Fatalf("unresolved Ref %s (%s) in the definition", ref, typ)
		}
		if att, ok := x["Fn::GetAtt"].([]any); ok && len(att) == 2 && att[1] == "Arn" {
			typ, _ := resources[att[0].(string)].(map[string]any)["Type"].(string)
			if typ == "AWS::Lambda::Function" {
				props, _ := resources[att[0].(string)].(map[string]any)["Properties"].(map[string]any)
				if name, ok := localFunctions[jsonText(props["Description"])]; ok {
					return "arn:aws:lambda:us-east-1:000000000000:function:" + name
				}
			}
			t.Fatalf("unresolved Fn::GetAtt %v in the definition", att)
		}
		if join, ok := x["Fn::Join"].([]any); ok {
			var parts []string
			for _, p := range join[1].([]any) {
				parts = append(parts, resolve(t, p, resources))
			}
			return strings.Join(parts, join[0].(string))
		}
		if sub, ok := x["Fn::Sub"].(string); ok {
			return regexp.MustCompile(`\$\{([^}]+)\}`).ReplaceAllStringFunc(sub, func(m string) string {
				return resolve(t, map[string]any{"Ref": m[2 : len(m)-1]}, resources)
			})
		}
	}
	t.Fatalf("cannot resolve %v in the definition", v)
	return ""
}

// TestStateMachineDefinition extracts the analytics definition, with plain names for its tokens,
// keeps shared/analytics/analytics.asl.json (the definition the local twin runs) current (-update rewrites it), and validates it with
// asl-validator.
func TestStateMachineDefinition(t *testing.T) {
	_, _, raw := synth(t)
	def := definition(t, raw, "Analytics")
	golden(t, filepath.Join("..", "shared", "analytics", "analytics.asl.json"), def)
	var asl struct {
		States map[string]map[string]any
	}
	_ = json.Unmarshal(def, &asl)
	for _, name := range []string{"HasDate", "BadDate", "StartCrawler", "WaitForCrawler", "GetCrawler", "CrawlerReady", "LastCrawlSucceeded",
		"RunQueries", "Failed", "Summary"} {
		if _, ok := asl.States[name]; !ok {
			t.Errorf("definition lacks state %s", name)
		}
	}
	branches := asl.States["RunQueries"]["Branches"].([]any)
	if len(branches) != len(analytics.All()) {
		t.Errorf("%d query branches, want %d", len(branches), len(analytics.All()))
	}
	// Each query is its SQL as written, the day a bound execution parameter, and no result reuse:
	// Athena reuses a result for the same text whatever the parameters, so a run for one day could
	// get another day's result.
	sqlOf := map[string]string{}
	for _, q := range analytics.All() {
		sqlOf["Start-"+q.Name] = q.SQL
	}
	for _, b := range branches {
		for name, st := range b.(map[string]any)["States"].(map[string]any) {
			p, _ := st.(map[string]any)["Parameters"].(map[string]any)
			if !strings.HasPrefix(name, "Start-") {
				continue
			}
			if p["QueryString"] != sqlOf[name] || p["QueryString.$"] != nil {
				t.Errorf("%s: QueryString %v, QueryString.$ %v; want the query's SQL as written", name, p["QueryString"], p["QueryString.$"])
			}
			if p["ExecutionParameters.$"] != "$.params" {
				t.Errorf("%s: ExecutionParameters.$ %v, want $.params", name, p["ExecutionParameters.$"])
			}
			if _, ok := p["ResultReuseConfiguration"]; ok {
				t.Errorf("%s reuses results: %v", name, p["ResultReuseConfiguration"])
			}
		}
	}
	out := runNode(t, "node_modules/.bin/asl-validator", "--json-path", "shared/analytics/analytics.asl.json")
	t.Logf("asl-validator: %s", out)
}

// TestCompactionDefinition keeps shared/analytics/compaction.asl.json (the definition the local twin
// runs) current, validates it with asl-validator, and checks its shape: the plan, a bounded Map whose
// hours each retry the Lambda service's errors and catch their own failure, and a failed execution
// when any hour failed.
func TestCompactionDefinition(t *testing.T) {
	_, _, raw := synth(t)
	def := definition(t, raw, "Compaction")
	golden(t, filepath.Join("..", "shared", "analytics", "compaction.asl.json"), def)
	var asl struct {
		StartAt string
		States  map[string]map[string]any
	}
	if err := json.Unmarshal(def, &asl); err != nil {
		t.Fatal(err)
	}
	if asl.StartAt != "HasHours" {
		t.Errorf("StartAt %s", asl.StartAt)
	}
	m := asl.States["CompactHours"]
	if m["Type"] != "Map" || m["MaxConcurrency"] != float64(4) || m["ItemsPath"] != "$.plan.response.hours" {
		t.Errorf("CompactHours: %v", m)
	}
	hour := m["ItemProcessor"].(map[string]any)["States"].(map[string]any)["CompactHour"].(map[string]any)
	if p := hour["Parameters"].(map[string]any)["Payload"]; jsonText(p) != `{"action":"compact","hour.$":"$.hour"}` {
		t.Errorf("CompactHour payload %s", jsonText(p))
	}
	if hour["Resource"] != "arn:aws:states:::lambda:invoke" || !strings.Contains(jsonText(hour["Retry"]), "Lambda.TooManyRequestsException") ||
		!strings.Contains(jsonText(hour["Retry"]), `"ErrorEquals":["`+compactor.ErrorHourLocked+`"]`) ||
		!strings.Contains(jsonText(hour["Catch"]), `"Next":"HourFailed"`) {
		t.Errorf("CompactHour: %s", jsonText(hour))
	}
	if f := asl.States["HoursFailed"]; f["Type"] != "Fail" || f["Error"] != "Compaction.HoursFailed" {
		t.Errorf("HoursFailed: %v", f)
	}
	if f := asl.States["CleanupFailed"]; f["Type"] != "Fail" || f["Error"] != "Compaction.CleanupFailed" {
		t.Errorf("CleanupFailed: %v", f)
	}
	out := runNode(t, "node_modules/.bin/asl-validator", "--json-path", "shared/analytics/compaction.asl.json")
	t.Logf("asl-validator: %s", out)
}

// TestCompactionSettings checks that the compaction's settings reach the stack and that bad ones are
// refused, naming the key.
func TestCompactionSettings(t *testing.T) {
	_, tpl, _, err := synthesize(map[string]any{"ticklake:compaction-schedule-minutes": 30, "ticklake:compaction-concurrency": 2,
		"ticklake:compaction-lateness-minutes": 5})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "schedule every 30 minutes", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Scheduler::Schedule"), props(map[string]any{"ScheduleExpression": "rate(30 minutes)"}))
	})
	check(t, "lateness", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), props(map[string]any{
			"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{"LATENESS": "5m0s"})}}))
	})
	for key, value := range map[string]any{"ticklake:compaction-schedule": "every hour", "ticklake:compacted-prefix": "ticks/compacted/",
		"ticklake:compaction-concurrency": 0, "ticklake:compaction-grace-minutes": 5, "ticklake:compaction-row-group-mb": 1000,
		"ticklake:compaction-enabled": "often", "ticklake:compaction-lateness-minutes": -1} {
		app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{key: value}})
		if _, err := ReadSettings(app); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%v: error %v does not name it", key, value, err)
		}
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"ticklake:compaction-schedule": "cron(5 * * * ? *)"}})
	if s, err := ReadSettings(app); err != nil || s.CompactionExpression() != "cron(5 * * * ? *)" {
		t.Errorf("cron expression: %v %q", err, s.CompactionExpression())
	}
}

// TestSQLParsesAsTrino parses every analytics query with dt-sql-parser's Trino grammar.
func TestSQLParsesAsTrino(t *testing.T) {
	files, _ := filepath.Glob("../shared/analytics/sql/*.sql")
	sort.Strings(files)
	if len(files) != len(analytics.All()) {
		t.Fatalf("%d SQL files, %d queries", len(files), len(analytics.All()))
	}
	args := []string{"--import", "./infra/sqlcheck/register.mjs", "infra/sqlcheck/check.mjs"}
	for _, f := range files {
		args = append(args, strings.TrimPrefix(f, "../"))
	}
	out := runNode(t, "node", args...)
	var report map[string][]any
	if err := json.Unmarshal([]byte(out), &report); err != nil || len(report) != len(files) {
		t.Fatalf("parser report %q: %v", out, err)
	}
}

// runNode runs a Node.js tool from the repository root; it fails the test when the tool fails.
func runNode(t *testing.T, tool string, args ...string) string {
	t.Helper()
	if _, err := os.Stat("../node_modules/.bin/asl-validator"); err != nil {
		t.Fatal("node_modules is missing: run npm ci at the repository root")
	}
	cmd := exec.Command(tool, args...)
	cmd.Dir = ".."
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", tool, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// TestProvisionedKafka switches to a provisioned MSK cluster: IAM over TLS only, broker logs, brokers
// in the private subnets, and cdk-nag still clean.
func TestProvisionedKafka(t *testing.T) {
	stack, tpl, _, err := synthesize(map[string]any{"ticklake:kafka": "provisioned", "ticklake:broker-type": "kafka.t3.small"})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "no serverless cluster", func() { tpl.ResourceCountIs(jsii.String("AWS::MSK::ServerlessCluster"), jsii.Number(0)) })
	check(t, "provisioned cluster", func() {
		tpl.HasResourceProperties(jsii.String("AWS::MSK::Cluster"), props(map[string]any{
			"NumberOfBrokerNodes": 2,
			"BrokerNodeGroupInfo": assertions.Match_ObjectLike(&map[string]any{"InstanceType": "kafka.t3.small"}),
			"ClientAuthentication": map[string]any{"Sasl": map[string]any{"Iam": map[string]any{"Enabled": true}},
				"Unauthenticated": map[string]any{"Enabled": false}},
			"EncryptionInfo": map[string]any{"EncryptionInTransit": map[string]any{"ClientBroker": "TLS", "InCluster": true}},
			"LoggingInfo":    assertions.Match_ObjectLike(&map[string]any{"BrokerLogs": assertions.Match_AnyValue()}),
		}))
	})
	check(t, "replication within the two brokers", func() {
		tpl.HasResourceProperties(jsii.String("Custom::KafkaTopic"), props(map[string]any{"ReplicationFactor": "2"}))
	})
	check(t, "mapping on the provisioned cluster", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), props(map[string]any{
			"EventSourceArn": map[string]any{"Fn::GetAtt": []any{"KafkaProvisioned", "Arn"}}}))
	})
	found := assertions.Annotations_FromStack(stack.Stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
	for _, f := range *found {
		t.Errorf("cdk-nag error at %s: %v", *f.Id, f.Entry.Data)
	}
}

func TestBadContextIsNamed(t *testing.T) {
	for key, value := range map[string]any{"ticklake:partitions": "many", "ticklake:starting-position": "EARLIEST", "ticklake:kafka": "confluent",
		"ticklake:tick-source": "replay", "ticklake:run-seconds": 59, "ticklake:stage": "Prod_1", "ticklake:availability-zone-ids": "us-east-1a,us-east-1b",
		"ticklake:state-machine-log-level": "DEBUG", "ticklake:log-execution-data": "yes", "ticklake:lake-formation": "on",
		"ticklake:schedule-enabled": "maybe"} {
		app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{key: value}})
		_, err := ReadSettings(app)
		name := key
		if key == "ticklake:tick-source" {
			name = "ticklake:replay-uri"
		}
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%v: error %v does not name %s", key, value, err, name)
		}
	}
}
