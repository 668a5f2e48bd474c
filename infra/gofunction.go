package main

import (
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// GoFunctionProps describe one of ticklake's Go functions.
type GoFunctionProps struct {
	// Name is the function's folder under functions/, and its zip under the asset directory.
	Name        string
	Description string
	Env         map[string]*string
	MemoryMB    float64
	Timeout     awscdk.Duration
	// Vpc, when set, places the function in the VPC's private subnets with SecurityGroup.
	Vpc           awsec2.IVpc
	SecurityGroup awsec2.ISecurityGroup
	// ReservedConcurrency, when above 0, reserves (and caps) the function's concurrency.
	ReservedConcurrency float64
}

// NewGoFunction makes a Lambda function from build/<name>.zip with the settings all of ticklake's
// functions share: arm64, provided.al2023, JSON logs to a log group with the deployment's retention,
// X-Ray tracing.
func NewGoFunction(scope constructs.Construct, id string, s Settings, p GoFunctionProps) awslambda.Function {
	logs := awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention:     retention(s.LogRetentionDays),
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	// An own role with only what the function needs to run: write to its log group and, in the VPC,
	// manage its network interfaces (tracing adds the X-Ray rights). The stack then grants the
	// function's own work.
	run := []awsiam.PolicyStatement{
		statement([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, logs.LogGroupArn()),
	}
	if p.Vpc != nil {
		run = append(run, statement([]string{"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
			"ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"}, jsii.String("*")))
	}
	role := awsiam.NewRole(scope, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:      awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description:    jsii.String("Runs the " + p.Name + " function"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"run": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &run})},
	})
	props := &awslambda.FunctionProps{
		Role:                  role,
		Description:           jsii.String(p.Description),
		Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:          awslambda.Architecture_ARM_64(),
		Handler:               jsii.String("bootstrap"),
		Code:                  awslambda.Code_FromAsset(jsii.String(filepath.Join(s.AssetDir, p.Name+".zip")), nil),
		MemorySize:            jsii.Number(p.MemoryMB),
		Timeout:               p.Timeout,
		Environment:           &p.Env,
		LogGroup:              logs,
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: awslambda.ApplicationLogLevel_INFO,
		SystemLogLevelV2:      awslambda.SystemLogLevel_WARN,
		Tracing:               awslambda.Tracing_ACTIVE,
	}
	if p.ReservedConcurrency > 0 {
		props.ReservedConcurrentExecutions = jsii.Number(p.ReservedConcurrency)
	}
	if p.Vpc != nil {
		props.Vpc = p.Vpc
		props.VpcSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
		props.SecurityGroups = &[]awsec2.ISecurityGroup{p.SecurityGroup}
	}
	return awslambda.NewFunction(scope, jsii.String(id), props)
}

// retention maps days to the nearest log retention CloudWatch offers at or above them.
func retention(days int) awslogs.RetentionDays {
	steps := []struct {
		days int
		r    awslogs.RetentionDays
	}{
		{1, awslogs.RetentionDays_ONE_DAY}, {3, awslogs.RetentionDays_THREE_DAYS}, {5, awslogs.RetentionDays_FIVE_DAYS},
		{7, awslogs.RetentionDays_ONE_WEEK}, {14, awslogs.RetentionDays_TWO_WEEKS}, {30, awslogs.RetentionDays_ONE_MONTH},
		{60, awslogs.RetentionDays_TWO_MONTHS}, {90, awslogs.RetentionDays_THREE_MONTHS}, {120, awslogs.RetentionDays_FOUR_MONTHS},
		{150, awslogs.RetentionDays_FIVE_MONTHS}, {180, awslogs.RetentionDays_SIX_MONTHS}, {365, awslogs.RetentionDays_ONE_YEAR},
		{400, awslogs.RetentionDays_THIRTEEN_MONTHS}, {545, awslogs.RetentionDays_EIGHTEEN_MONTHS},
		{731, awslogs.RetentionDays_TWO_YEARS}, {1827, awslogs.RetentionDays_FIVE_YEARS}, {3653, awslogs.RetentionDays_TEN_YEARS},
	}
	for _, st := range steps {
		if days <= st.days {
			return st.r
		}
	}
	return awslogs.RetentionDays_TEN_YEARS
}
