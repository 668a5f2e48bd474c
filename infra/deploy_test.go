package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/jsii-runtime-go"
)

// resourcesOf returns the template's resources of type typ, by logical ID.
func resourcesOf(raw map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range raw["Resources"].(map[string]any) {
		if r.(map[string]any)["Type"] == typ {
			out[id] = r.(map[string]any)
		}
	}
	return out
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestAsyncInvocations checks the producer's schedule and both asynchronously invoked functions:
// Scheduler at the minute, a role that may only invoke the producer (and reach its failure queue), the
// producer unretried with reserved concurrency 1, the crawlertrigger retried twice, each with an
// encrypted, SSL-only failure queue with an alarm.
func TestAsyncInvocations(t *testing.T) {
	_, tpl, raw := synth(t)
	has := func(what, typ string, p map[string]any) {
		check(t, what, func() { tpl.HasResourceProperties(jsii.String(typ), props(p)) })
	}
	producer, trigger := "", ""
	for id, fn := range resourcesOf(raw, "AWS::Lambda::Function") {
		desc := jsonText(fn["Properties"].(map[string]any)["Description"])
		switch {
		case strings.Contains(desc, "Sends market ticks"):
			producer = id
			if c := fn["Properties"].(map[string]any)["ReservedConcurrentExecutions"]; c != float64(1) {
				t.Errorf("producer reserved concurrency %v, want 1", c)
			}
		case strings.Contains(desc, "Starts the Glue crawler"):
			trigger = id
		}
	}
	queues := resourcesOf(raw, "AWS::SQS::Queue")
	configs := resourcesOf(raw, "AWS::Lambda::EventInvokeConfig")
	if len(configs) != 2 {
		t.Fatalf("%d EventInvokeConfigs, want 2", len(configs))
	}
	for _, c := range configs {
		p := c["Properties"].(map[string]any)
		fn := jsonText(p["FunctionName"])
		dest := jsonText(p["DestinationConfig"])
		var wantRetries float64
		switch {
		case strings.Contains(fn, producer):
			wantRetries = 0
		case strings.Contains(fn, trigger):
			wantRetries = 2
		default:
			t.Errorf("async config of %s", fn)
			continue
		}
		if p["MaximumRetryAttempts"] != wantRetries {
			t.Errorf("%s: retries %v, want %v", fn, p["MaximumRetryAttempts"], wantRetries)
		}
		found := false
		for id := range queues {
			found = found || strings.Contains(dest, `"`+id+`"`) && strings.Contains(dest, "OnFailure")
		}
		if !found {
			t.Errorf("%s: on-failure destination %s is not one of the queues", fn, dest)
		}
	}
	has("encrypted failure queue", "AWS::SQS::Queue", map[string]any{"SqsManagedSseEnabled": true, "MessageRetentionPeriod": 14 * 24 * 3600})
	has("SSL-only queue", "AWS::SQS::QueuePolicy", map[string]any{"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
		assertions.Match_ObjectLike(&map[string]any{"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}})})}})
	for name := range map[string]bool{"ProducerFailures": true, "CrawlerTriggerFailures": true} {
		has("alarm on "+name, "AWS::CloudWatch::Alarm", map[string]any{"MetricName": "ApproximateNumberOfMessagesVisible",
			"Namespace": "AWS/SQS", "Threshold": 1, "AlarmDescription": assertions.Match_StringLikeRegexp(jsii.String(name))})
	}
	has("schedule target", "AWS::Scheduler::Schedule", map[string]any{"Target": assertions.Match_ObjectLike(&map[string]any{
		"Arn":              map[string]any{"Fn::GetAtt": []any{producer, "Arn"}},
		"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60},
		"DeadLetterConfig": assertions.Match_AnyValue()})})
	// The schedule's input, once Scheduler fills in its context attributes, is the producer's event.
	for id, sch := range resourcesOf(raw, "AWS::Scheduler::Schedule") {
		if !strings.HasPrefix(id, "ProducerSchedule") {
			continue
		}
		input := resolve(t, sch["Properties"].(map[string]any)["Target"].(map[string]any)["Input"], raw["Resources"].(map[string]any))
		input = strings.NewReplacer("<aws.scheduler.execution-id>", "d1c2b3a4-0000-4000-8000-000000000000",
			"<aws.scheduler.scheduled-time>", "2026-11-25T14:30:00Z",
			"<aws.scheduler.schedule-arn>", "arn:aws:scheduler:us-east-1:000000000000:schedule/default/s").Replace(input)
		var ev events.EventBridgeEvent
		if err := json.Unmarshal([]byte(input), &ev); err != nil || ev.DetailType != "Scheduled Event" || ev.Time.IsZero() || ev.Region != "us-east-1" {
			t.Errorf("schedule input %s: %+v, %v", input, ev, err)
		}
	}
	// The schedule starts running once its role may invoke the producer and the producer's
	// asynchronous settings (no retry) are in place: a run before them would fail, or be retried.
	for id, sch := range resourcesOf(raw, "AWS::Scheduler::Schedule") {
		if !strings.HasPrefix(id, "ProducerSchedule") {
			continue
		}
		deps := jsonText(sch["DependsOn"])
		for cfg := range configs {
			if strings.Contains(jsonText(configs[cfg]["Properties"].(map[string]any)["FunctionName"]), producer) && !strings.Contains(deps, `"`+cfg+`"`) {
				t.Errorf("schedule %s does not wait for the producer's %s (DependsOn %s)", id, cfg, deps)
			}
		}
		for pol := range resourcesOf(raw, "AWS::IAM::Policy") {
			if strings.HasPrefix(pol, "ProducerScheduleRole") && !strings.Contains(deps, `"`+pol+`"`) {
				t.Errorf("schedule %s does not wait for its role's policy %s (DependsOn %s)", id, pol, deps)
			}
		}
	}
	// The schedule's role may do two things.
	for id, pol := range resourcesOf(raw, "AWS::IAM::Policy") {
		if !strings.HasPrefix(id, "ProducerScheduleRole") {
			continue
		}
		text := jsonText(pol["Properties"])
		if !strings.Contains(text, `"lambda:InvokeFunction"`) || !strings.Contains(text, producer) || strings.Count(text, `"Action"`) != 2 {
			t.Errorf("schedule role policy %s", text)
		}
	}
}

// TestMappingWaitsForNetwork checks that the event-source mapping is created after the security
// group rules and the Lambda and STS endpoints its pollers need.
func TestMappingWaitsForNetwork(t *testing.T) {
	_, _, raw := synth(t)
	var deps []any
	for _, esm := range resourcesOf(raw, "AWS::Lambda::EventSourceMapping") {
		deps, _ = esm["DependsOn"].([]any)
	}
	has := func(typ string, want int) {
		n := 0
		for id := range resourcesOf(raw, typ) {
			for _, d := range deps {
				if d == id {
					n++
				}
			}
		}
		if n < want {
			t.Errorf("the mapping depends on %d %s, want %d (DependsOn %v)", n, typ, want, deps)
		}
	}
	has("AWS::EC2::SecurityGroupIngress", 3)
	has("AWS::EC2::VPCEndpoint", 2)
	has("AWS::EC2::SecurityGroup", 2)
}

// TestDefaultZones checks the subnets without zone IDs given: use1-az1 and use1-az2 in us-east-1,
// the first two zones by name elsewhere, decided by a condition at deployment.
func TestDefaultZones(t *testing.T) {
	_, _, raw := synth(t)
	subnets := resourcesOf(raw, "AWS::EC2::Subnet")
	if len(subnets) != 2 {
		t.Fatalf("%d subnets", len(subnets))
	}
	ids := map[string]bool{}
	for _, sn := range subnets {
		p := sn["Properties"].(map[string]any)
		id := jsonText(p["AvailabilityZoneId"])
		for _, z := range DefaultZoneIDs {
			if strings.Contains(id, `"`+z+`"`) && strings.Contains(id, "InUsEast1") {
				ids[z] = true
			}
		}
		if az := jsonText(p["AvailabilityZone"]); !strings.Contains(az, "Fn::GetAZs") || !strings.Contains(az, "InUsEast1") {
			t.Errorf("AvailabilityZone %s", az)
		}
	}
	if len(ids) != 2 {
		t.Errorf("subnets take zone IDs %v, want %v", ids, DefaultZoneIDs)
	}
	if c := jsonText(raw["Conditions"]); !strings.Contains(c, "us-east-1") {
		t.Errorf("conditions %s", c)
	}
}

// TestOtherSettings synthesizes a stage with its own zones, verbose state machine logs, an alarm
// email and Lake Formation grants, and checks each, and cdk-nag still clean.
func TestOtherSettings(t *testing.T) {
	stack, tpl, raw, err := synthesize(map[string]any{"ticklake:stage": "dev", "ticklake:availability-zone-ids": "use1-az4,use1-az6",
		"ticklake:state-machine-log-level": "ALL", "ticklake:log-execution-data": true, "ticklake:alarm-email": "ops@example.com",
		"ticklake:lake-formation": true})
	if err != nil {
		t.Fatal(err)
	}
	if name := *stack.StackName(); name != "Ticklake-dev" {
		t.Errorf("stack %s", name)
	}
	for i, sn := range resourcesOf(raw, "AWS::EC2::Subnet") {
		p := sn["Properties"].(map[string]any)
		if _, named := p["AvailabilityZone"]; named || (p["AvailabilityZoneId"] != "use1-az4" && p["AvailabilityZoneId"] != "use1-az6") {
			t.Errorf("subnet %s: %s", i, jsonText(p))
		}
	}
	check(t, "verbose logs", func() {
		tpl.HasResourceProperties(jsii.String("AWS::StepFunctions::StateMachine"), props(map[string]any{
			"LoggingConfiguration": assertions.Match_ObjectLike(&map[string]any{"Level": "ALL", "IncludeExecutionData": true})}))
	})
	check(t, "stage database", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Glue::Database"), props(map[string]any{
			"DatabaseInput": assertions.Match_ObjectLike(&map[string]any{"Name": "ticklake_dev"})}))
	})
	grants := resourcesOf(raw, "AWS::LakeFormation::PrincipalPermissions")
	if len(grants) != 8 {
		t.Errorf("%d Lake Formation grants, want 8 (database and tables for the crawler, the crawlertrigger, the state machine, the compactor)", len(grants))
	}
	var dbID string
	for id := range resourcesOf(raw, "AWS::Glue::Database") {
		dbID = id
	}
	for id, g := range grants {
		text := jsonText(g)
		if !strings.Contains(text, "ticklake_dev") || !strings.Contains(jsonText(g["DependsOn"]), dbID) {
			t.Errorf("grant %s: %s", id, text)
		}
	}
	// Data access (the credentials Lake Formation vends to Glue and Athena) for the roles that read
	// data through them, the crawler's and the state machine's; the crawlertrigger reads the catalog only.
	dataAccess := map[string]bool{}
	for _, pol := range resourcesOf(raw, "AWS::IAM::Policy") {
		if p := pol["Properties"].(map[string]any); strings.Contains(jsonText(p["PolicyDocument"]), "lakeformation:GetDataAccess") {
			for _, r := range p["Roles"].([]any) {
				dataAccess[jsonText(r)] = true
			}
		}
	}
	for role, want := range map[string]bool{"CrawlerRole": true, "AnalyticsStateMachineRole": true, "CrawlerTriggerRole": false} {
		got := false
		for r := range dataAccess {
			got = got || strings.Contains(r, `"`+role) && !(role == "CrawlerRole" && strings.Contains(r, "CrawlerTrigger"))
		}
		if got != want {
			t.Errorf("%s may call lakeformation:GetDataAccess: %v, want %v (roles with it: %v)", role, got, want, dataAccess)
		}
	}
	anns := assertions.Annotations_FromStack(stack.Stack)
	if w := anns.FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("alarm-email"))); len(*w) != 0 {
		t.Errorf("alarm-email warning with an email set: %v", *w)
	}
	for _, find := range []func(*string, any) *[]*cxapi.SynthesisMessage{anns.FindError, anns.FindWarning} {
		for _, f := range *find(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*|CdkNag.*"))) {
			t.Errorf("cdk-nag at %s: %v", *f.Id, f.Entry.Data)
		}
	}
}

// TestNoAlarmEmailWarns checks the synth warning of alarms that reach no one.
func TestNoAlarmEmailWarns(t *testing.T) {
	stack, _, _ := synth(t)
	w := assertions.Annotations_FromStack(stack.Stack).FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("ticklake:alarm-email is not set")))
	if len(*w) != 1 {
		t.Errorf("%d alarm-email warnings, want 1", len(*w))
	}
}

// TestCrawlerPolicy checks the crawler role against AWS's scoped-down crawler policy: the bucket's
// location, the listing and objects of the data prefix, and the catalog; the table being code, the
// crawler may add partitions but neither create a table nor update one.
func TestCrawlerPolicy(t *testing.T) {
	_, _, raw := synth(t)
	var text string
	for id, pol := range resourcesOf(raw, "AWS::IAM::Policy") {
		if strings.HasPrefix(id, "CrawlerRole") {
			text = jsonText(pol["Properties"])
		}
	}
	for _, want := range []string{"s3:GetBucketLocation", "s3:GetBucketAcl", "iam:GetRole", "s3:ListBucket", "s3:GetObject", "glue:GetTable", "glue:BatchCreatePartition",
		"logs:PutLogEvents", `"ticks/*"`} {
		if !strings.Contains(text, want) {
			t.Errorf("crawler policy lacks %s: %s", want, text)
		}
	}
	for _, unwanted := range []string{"glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable", "glue:*"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("crawler policy allows %s: %s", unwanted, text)
		}
	}
}

// TestStagesSideBySide puts two stages in one app, as in one account: every name differs, and the
// default stage keeps today's names.
func TestStagesSideBySide(t *testing.T) {
	_, _, def := synth(t)
	if db := jsonText(resourcesOf(def, "AWS::Glue::Database")); !strings.Contains(db, `"Name":"ticklake"`) {
		t.Errorf("default stage database: %s", db)
	}
	templates := map[string]map[string]any{}
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("synthesis panicked: %v", r)
			}
		}()
		assets := t.TempDir()
		for _, fn := range Functions {
			if err := writeZip(assets + "/" + fn + ".zip"); err != nil {
				t.Fatal(err)
			}
		}
		app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"ticklake:asset-dir": assets}})
		stacks := map[string]*TicklakeStack{}
		for _, stage := range []string{"dev", "prod"} {
			s, err := ReadSettings(app)
			if err != nil {
				t.Fatal(err)
			}
			s.Stage, s.Database = stage, "ticklake_"+stage
			stacks[stage] = NewTicklakeStack(app, s.StackID(), &TicklakeStackProps{Settings: s})
		}
		for stage, st := range stacks {
			b, _ := json.Marshal(assertions.Template_FromStack(st.Stack, nil).ToJSON())
			var raw map[string]any
			_ = json.Unmarshal(b, &raw)
			templates[stage] = raw
		}
	}()
	names := func(raw map[string]any, stack string) []string {
		var out []string
		for _, r := range raw["Resources"].(map[string]any) {
			p, _ := r.(map[string]any)["Properties"].(map[string]any)
			for _, k := range []string{"ClusterName", "Name", "DatabaseInput", "MetricNamespace", "Namespace", "WorkGroup"} {
				if v, ok := p[k]; ok {
					out = append(out, jsonText(v))
				}
			}
		}
		return out
	}
	dev, prod := names(templates["dev"], "Ticklake-dev"), names(templates["prod"], "Ticklake-prod")
	seen := map[string]bool{}
	for _, n := range dev {
		seen[n] = true
	}
	for _, n := range prod {
		// Named queries share names within their own workgroups; the AWS namespaces are AWS's.
		if seen[n] && !strings.Contains(n, "AWS/") && !isQueryName(n) && !strings.HasPrefix(n, `{"Ref":`) {
			t.Errorf("both stages name something %s", n)
		}
	}
	for _, want := range []string{`"ticklake_dev"`, `"ticklake/dev"`, `"Ticklake-dev-kafka"`, `"Ticklake-dev-analytics"`} {
		found := false
		for _, n := range dev {
			found = found || strings.Contains(n, want)
		}
		if !found {
			t.Errorf("stage dev names nothing %s", want)
		}
	}
}

func isQueryName(n string) bool {
	for _, q := range []string{"ohlcv_1m", "vwap_daily", "top_movers", "realized_volatility", "data_quality"} {
		if n == `"`+q+`"` {
			return true
		}
	}
	return false
}

// TestCompactionIAM checks the compaction's rights: the compactor reads and deletes live objects,
// writes and deletes under the compacted prefix only, lists those two prefixes, and reads and updates
// this table's partitions; the schedule's role may only start the compaction and reach its queue; the
// analytics may read compacted objects; the crawler and the S3 notification never see them.
func TestCompactionIAM(t *testing.T) {
	_, _, raw := synth(t)
	var compactor, schedule, analytics string
	for id, pol := range resourcesOf(raw, "AWS::IAM::Policy") {
		text := jsonText(pol["Properties"])
		switch {
		case strings.HasPrefix(id, "CompactorRole"):
			compactor += text
		case strings.HasPrefix(id, "CompactionScheduleRole"):
			schedule += text
		case strings.HasPrefix(id, "AnalyticsStateMachineRole"):
			analytics += text
		}
	}
	for _, want := range []string{`"s3:GetObject","s3:DeleteObject"`, `/ticks/*`, `"s3:GetObject","s3:PutObject","s3:DeleteObject"`,
		`/compacted/*`, `"s3:prefix":["ticks/","ticks/*","compacted/","compacted/*"]`,
		`"glue:GetPartition","glue:UpdatePartition"`, `table/ticklake/ticks`} {
		if !strings.Contains(compactor, want) {
			t.Errorf("compactor policy lacks %s: %s", want, compactor)
		}
	}
	for _, bad := range []string{"glue:CreatePartition", "glue:DeletePartition", "glue:UpdateTable", "s3:*", "s3:PutObjectAcl"} {
		if strings.Contains(compactor, bad) {
			t.Errorf("compactor policy has %s", bad)
		}
	}
	if !strings.Contains(schedule, `"states:StartExecution"`) || !strings.Contains(schedule, `"sqs:SendMessage"`) ||
		strings.Count(schedule, `"Action"`) != 2 {
		t.Errorf("compaction schedule role: %s", schedule)
	}
	if !strings.Contains(analytics, "/compacted/*") {
		t.Errorf("the analytics may not read compacted objects: %s", analytics)
	}
	for _, c := range resourcesOf(raw, "AWS::Glue::Crawler") {
		if text := jsonText(c["Properties"].(map[string]any)["Targets"]); strings.Contains(text, "compacted") || !strings.Contains(text, "/ticks/") {
			t.Errorf("crawler targets %s", text)
		}
	}
	for _, n := range resourcesOf(raw, "Custom::S3BucketNotifications") {
		if text := jsonText(n["Properties"]); strings.Contains(text, "compacted") {
			t.Errorf("notification %s", text)
		}
	}
}
